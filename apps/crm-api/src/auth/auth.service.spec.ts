import { newTestService } from '../../../../test/utils/service-test';
import { DomainError } from '../common/domain-error';
import type { Caller } from '../common/request-context';
import { User } from '../users/user.entity';
import { ApiKeyAuth } from './api-key-auth';
import { AuthService } from './auth.service';
import { CredentialsRepository } from './credentials.repository';
import { LoginLimiter } from './login-limiter';
import { hashPassword } from './password';
import { SessionsService } from './sessions.service';
import { SIGN_IN_SLOTS } from './sign-in-slots';
import { Tokens } from './tokens';
import { JwtService } from '@nestjs/jwt';

const SECRET = 'a-test-secret-of-at-least-32-characters!!';
const USER_ID = '0b9f7a52-2f2c-4d8e-9a55-6f0e1c7d2a11';
const SESSION_ID = '5d3c8e0a-77b1-4f0c-bd7e-2a9e4f1c6b22';
/** Real tokens (as TokensJwtModule sets them up) with a secret of the test's choosing. */
const tokensWith = (secret: string) => new Tokens(new JwtService({ secret, signOptions: { algorithm: 'HS256', expiresIn: 600 }, verifyOptions: { algorithms: ['HS256'] } }));
const tokens = tokensWith(SECRET);

/** Sign-in and the bearer check, over mocked users, sessions, limiter and keys (the real sign-in slots). */
describe('AuthService', () => {
  let passwordHash: string;
  beforeAll(async () => {
    passwordHash = await hashPassword('correct horse battery');
  });

  async function auth(user: Partial<User> | null = {}) {
    const t = await newTestService(AuthService, { env: { JWT_SECRET: SECRET, JWT_TTL_SECONDS: '600' }, providers: [SIGN_IN_SLOTS, { provide: Tokens, useValue: tokens }] });
    const found = user && ({ id: USER_ID, kind: 'person', passwordHash, disabledAt: null, ...user } as User);
    t.mock(CredentialsRepository).byEmail.mockResolvedValue(found);
    const limiter = t.mock(LoginLimiter);
    limiter.retryAfter.mockResolvedValue(0);
    limiter.fail.mockResolvedValue();
    limiter.succeed.mockResolvedValue();
    const sessions = t.mock(SessionsService);
    sessions.open.mockResolvedValue(SESSION_ID);
    return { sut: t.sut, users: t.mock(CredentialsRepository), limiter, sessions, keys: t.mock(ApiKeyAuth) };
  }
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (e: DomainError) => ({ code: e.code, message: e.message, retry: e.retryAfterSeconds }),
    );

  it('the right password: a token naming the user and a new session, the pair counted as a success', async () => {
    const { sut, users, limiter, sessions } = await auth();
    const { token } = await sut.login('  Ann@X.co ', 'correct horse battery', '203.0.113.7');
    expect(tokens.verify(token)).toMatchObject({ sub: USER_ID, sid: SESSION_ID });
    expect(users.byEmail).toHaveBeenCalledWith('ann@x.co');
    expect(limiter.succeed).toHaveBeenCalledWith('203.0.113.7', 'ann@x.co');
    expect(limiter.fail).not.toHaveBeenCalled();
    expect(sessions.open).toHaveBeenCalledWith(USER_ID);
  });

  it('a wrong password, an unknown email and a service user get the same 401, each counted as a failure', async () => {
    const cases: [Partial<User> | null, string][] = [
      [{}, 'wrong password'],
      [null, 'correct horse battery'],
      [{ kind: 'service' }, 'correct horse battery'],
    ];
    for (const [user, password] of cases) {
      const { sut, limiter, sessions } = await auth(user);
      await expect(refusal(sut.login('ann@x.co', password, '203.0.113.7'))).resolves.toEqual({
        code: 'unauthorized',
        message: 'wrong email or password',
        retry: undefined,
      });
      expect(limiter.fail).toHaveBeenCalledWith('203.0.113.7', 'ann@x.co');
      expect(sessions.open).not.toHaveBeenCalled();
    }
  });

  it('while the limiter says wait, a 429 with Retry-After, and the password is not even checked', async () => {
    const { sut, users, limiter } = await auth();
    limiter.retryAfter.mockResolvedValue(42);
    await expect(refusal(sut.login('ann@x.co', 'correct horse battery', '203.0.113.7'))).resolves.toMatchObject({ code: 'rate_limited', retry: 42 });
    expect(users.byEmail).not.toHaveBeenCalled();
  });

  it('a disabled user who knows the password is told so, and gets no session', async () => {
    const { sut, sessions } = await auth({ disabledAt: new Date() });
    await expect(refusal(sut.login('ann@x.co', 'correct horse battery', '203.0.113.7'))).resolves.toMatchObject({ code: 'unauthorized', message: /disabled/ });
    expect(sessions.open).not.toHaveBeenCalled();
  });

  it("a bearer token stands for its live session's caller; an ended session, a forged or malformed token is a 401", async () => {
    const { sut, sessions } = await auth();
    const caller: Caller = { id: USER_ID, name: 'Ann', email: 'ann@x.co', role: 'sales_rep', kind: 'user', sessionId: SESSION_ID };
    sessions.caller.mockResolvedValue(caller);
    const token = tokens.sign(USER_ID, SESSION_ID);
    await expect(sut.authenticate(token)).resolves.toBe(caller);
    expect(sessions.caller).toHaveBeenCalledWith(SESSION_ID, USER_ID);
    sessions.caller.mockResolvedValue(null);
    await expect(refusal(sut.authenticate(token))).resolves.toMatchObject({ code: 'unauthorized', message: /session has ended/ });
    await expect(refusal(sut.authenticate(tokensWith('another-secret-of-at-least-32-chars!!').sign(USER_ID)))).resolves.toMatchObject({ code: 'unauthorized' });
    await expect(refusal(sut.authenticate(tokens.sign(USER_ID, 'not-a-uuid')))).resolves.toMatchObject({ code: 'unauthorized' });
    expect(sessions.caller).toHaveBeenCalledTimes(2);
  });

  it('an API key goes to the key check', async () => {
    const { sut, keys } = await auth();
    const caller = { id: USER_ID, kind: 'api_key' } as Caller;
    keys.authenticate.mockResolvedValue(caller);
    await expect(sut.authenticate('crmk_whatever')).resolves.toBe(caller);
  });

  it("logout ends the caller's session; a key has none to end", async () => {
    const { sut, sessions } = await auth();
    sessions.end.mockResolvedValue();
    await sut.logout({ id: USER_ID, sessionId: SESSION_ID } as Caller);
    await sut.logout({ id: USER_ID, kind: 'api_key' } as Caller);
    expect(sessions.end).toHaveBeenCalledTimes(1);
    expect(sessions.end).toHaveBeenCalledWith(SESSION_ID);
  });
});
