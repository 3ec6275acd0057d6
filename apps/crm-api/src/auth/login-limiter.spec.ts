import { newTestService } from '../../../../test/utils/service-test';
import { FailureWindow, LoginFailuresRepository } from './login-failures.repository';
import { ACCOUNT_MAX_FAILURES, ACCOUNT_SLOWDOWN_SECONDS, ACCOUNT_WINDOW_SECONDS, ADDRESS_MAX_FAILURES, LOGIN_MAX_FAILURES, LoginLimiter } from './login-limiter';

/** The limiter's decisions over the windows its repository reports (the SQL itself: test/medium). */
describe('LoginLimiter', () => {
  const ip = '203.0.113.7';
  const email = 'ann@x.co';
  async function limiter(windows: FailureWindow[] = []) {
    const t = await newTestService(LoginLimiter, { env: { LOGIN_WINDOW_SECONDS: '10' } });
    const repo = t.mock(LoginFailuresRepository);
    repo.liveWindows.mockImplementation(async (keys) => windows.filter((w) => keys.includes(w.key)));
    repo.takeSlot.mockResolvedValue(true);
    repo.countFailure.mockResolvedValue();
    repo.deleteEnded.mockResolvedValue();
    repo.forgetAndMark.mockResolvedValue();
    return { sut: t.sut, repo };
  }

  it('lets an attempt through when no window is over its limit, and asks for the four windows of (address, email)', async () => {
    const { sut, repo } = await limiter([{ key: `p|${ip}|${email}`, failures: LOGIN_MAX_FAILURES - 1, waitSeconds: 40 }]);
    await expect(sut.retryAfter(ip, email)).resolves.toBe(0);
    expect(repo.liveWindows).toHaveBeenCalledWith([`p|${ip}|${email}`, `a|${ip}`, `u|${email}`, `k|${ip}|${email}`]);
    expect(repo.takeSlot).not.toHaveBeenCalled();
  });

  it('the pair over LOGIN_MAX_FAILURES waits out its window; another email from that address does not', async () => {
    const { sut } = await limiter([{ key: `p|${ip}|${email}`, failures: LOGIN_MAX_FAILURES, waitSeconds: 37 }]);
    await expect(sut.retryAfter(ip, email)).resolves.toBe(37);
    await expect(sut.retryAfter(ip, 'bob@x.co')).resolves.toBe(0);
  });

  it('the address over ADDRESS_MAX_FAILURES waits whatever the email; a window ending within the second still says 1 s', async () => {
    const { sut } = await limiter([{ key: `a|${ip}`, failures: ADDRESS_MAX_FAILURES, waitSeconds: 0 }]);
    await expect(sut.retryAfter(ip, 'anyone@x.co')).resolves.toBe(1);
    await expect(sut.retryAfter('198.51.100.1', email)).resolves.toBe(0);
  });

  it('an account past ACCOUNT_MAX_FAILURES: one attempt per slot from unknown addresses, none waits from a known one', async () => {
    const account = { key: `u|${email}`, failures: ACCOUNT_MAX_FAILURES, waitSeconds: 600 };
    const { sut, repo } = await limiter([account, { key: `k|198.51.100.1|${email}`, failures: 0, waitSeconds: 86_400 }]);
    await expect(sut.retryAfter(ip, email)).resolves.toBe(0);
    expect(repo.takeSlot).toHaveBeenCalledWith(`s|${email}`, ACCOUNT_SLOWDOWN_SECONDS);
    repo.takeSlot.mockResolvedValue(false);
    await expect(sut.retryAfter(ip, email)).resolves.toBe(ACCOUNT_SLOWDOWN_SECONDS);
    repo.takeSlot.mockClear();
    await expect(sut.retryAfter('198.51.100.1', email)).resolves.toBe(0);
    expect(repo.takeSlot).not.toHaveBeenCalled();
  });

  it("a failure counts in the pair's and the address's window (LOGIN_WINDOW_SECONDS) and the account's (15 min); ended windows are swept at most once a minute", async () => {
    const { sut, repo } = await limiter();
    await sut.fail(ip, email);
    await sut.fail(ip, email);
    expect(repo.countFailure).toHaveBeenCalledTimes(2);
    expect(repo.countFailure).toHaveBeenLastCalledWith([
      { key: `p|${ip}|${email}`, seconds: 10 },
      { key: `a|${ip}`, seconds: 10 },
      { key: `u|${email}`, seconds: ACCOUNT_WINDOW_SECONDS },
    ]);
    expect(repo.deleteEnded).toHaveBeenCalledTimes(1);
  });

  it("a success forgets the pair's failures and makes the address a known one for 30 days", async () => {
    const { sut, repo } = await limiter();
    await sut.succeed(ip, email);
    expect(repo.forgetAndMark).toHaveBeenCalledWith(`p|${ip}|${email}`, `k|${ip}|${email}`, 30 * 24 * 3600);
  });
});
