import { LoginLimiter } from './login-limiter';

describe('LoginLimiter', () => {
  it('blocks after max failures until the window ends', () => {
    const l = new LoginLimiter(3, 60_000);
    const t = 1_000_000;
    for (let i = 0; i < 3; i++) {
      expect(l.retryAfter('k', t)).toBe(0);
      l.fail('k', t);
    }
    expect(l.retryAfter('k', t)).toBe(60);
    expect(l.retryAfter('k', t + 30_000)).toBe(30);
    expect(l.retryAfter('other', t)).toBe(0);
    expect(l.retryAfter('k', t + 60_000)).toBe(0);
  });

  it('forgets failures after a success', () => {
    const l = new LoginLimiter(2);
    l.fail('k');
    l.succeed('k');
    l.fail('k');
    expect(l.retryAfter('k')).toBe(0);
  });
});
