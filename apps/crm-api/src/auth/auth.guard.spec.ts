import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { newTestService, ServiceTest } from '../../../../test/utils/service-test';
import { DomainError } from '../common/domain-error';
import type { Caller } from '../common/request-context';
import { AdminOnly } from './admin-only.decorator';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { Public } from './public.decorator';
import { SessionOnly } from './session-only.decorator';

/**
 * Who gets through to a route: the guard with the real Reflector (routes marked by the
 * real decorators) and AuthService mocked. Every role × route over HTTP:
 * authorization.e2e-spec.ts.
 */
// `this: void`: the guard only reads a route's metadata, never calls it.
class Routes {
  @Public() health(this: void) {}
  plain(this: void) {}
  @AdminOnly() admin(this: void) {}
  @SessionOnly() password(this: void) {}
}
const rep: Caller = { id: 'u1', name: 'Rep', email: 'rep@example.com', role: 'sales_rep', kind: 'user' };
const boss: Caller = { ...rep, id: 'u2', role: 'admin' };
const key = (scopes: string[], role: Caller['role'] = 'sales_rep'): Caller => ({ ...rep, id: 'k1', kind: 'api_key', role, scopes });

describe('AuthGuard', () => {
  let t: ServiceTest<AuthGuard>;
  beforeEach(async () => {
    t = await newTestService(AuthGuard, { providers: [Reflector] });
  });
  /** A request to `route` with these headers, through the guard; the request as the route would see it. */
  async function request(route: keyof Routes, method = 'GET', authorization?: string, caller?: Caller) {
    const req = { method, headers: authorization ? { authorization } : {}, caller } as { method: string; headers: Record<string, string>; caller?: Caller };
    const context = {
      getHandler: () => Routes.prototype[route],
      getClass: () => Routes,
      switchToHttp: () => ({ getRequest: () => req }),
    } as unknown as ExecutionContext;
    await t.sut.canActivate(context);
    return req;
  }
  const refused = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  };

  it('a @Public() route: no token needed, none looked up', async () => {
    await expect(request('health')).resolves.toMatchObject({ caller: undefined });
  });

  it('other routes: 401 without a bearer token; with one, the caller it authenticates is on the request', async () => {
    expect((await refused(request('plain'))).code).toBe('unauthorized');
    expect((await refused(request('plain', 'GET', 'Basic abc'))).code).toBe('unauthorized');
    t.mock(AuthService).authenticate.mockResolvedValue(rep);
    expect((await request('plain', 'GET', 'bearer  tok123 ')).caller).toBe(rep);
    expect(t.mock(AuthService).authenticate).toHaveBeenCalledWith('tok123');
  });

  it('a caller already found by the body check (early-auth) is not looked up again', async () => {
    expect((await request('plain', 'POST', 'Bearer crmk_x', boss)).caller).toBe(boss);
    expect(t.mock(AuthService).authenticate).not.toHaveBeenCalled();
  });

  it('@AdminOnly(): an admin passes, anyone else is forbidden (a key told it lacks the admin scope)', async () => {
    t.mock(AuthService)
      .authenticate.mockResolvedValueOnce(boss)
      .mockResolvedValueOnce(rep)
      .mockResolvedValueOnce(key(['read', 'write']));
    await expect(request('admin', 'GET', 'Bearer t')).resolves.toBeDefined();
    expect((await refused(request('admin', 'GET', 'Bearer t'))).code).toBe('forbidden');
    expect((await refused(request('admin', 'GET', 'Bearer crmk_t'))).detail).toContain('no `admin` scope');
  });

  it('an API key: reads with any scope, writes only with `write`, never a session-only route', async () => {
    const auth = t.mock(AuthService).authenticate;
    auth.mockResolvedValue(key(['read']));
    await expect(request('plain', 'GET', 'Bearer crmk_t')).resolves.toBeDefined();
    await expect(request('plain', 'HEAD', 'Bearer crmk_t')).resolves.toBeDefined();
    expect((await refused(request('plain', 'POST', 'Bearer crmk_t'))).detail).toContain('lacks the `write` scope');
    auth.mockResolvedValue(key(['read', 'write']));
    await expect(request('plain', 'DELETE', 'Bearer crmk_t')).resolves.toBeDefined();
    expect((await refused(request('password', 'GET', 'Bearer crmk_t'))).code).toBe('forbidden');
    // A person's session may use it.
    auth.mockResolvedValue(rep);
    await expect(request('password', 'POST', 'Bearer t')).resolves.toBeDefined();
  });

  it("reads a route's rules once: its later requests decide the same without the Reflector", async () => {
    t.mock(AuthService).authenticate.mockResolvedValue(rep);
    const reflector = t.module.get(Reflector);
    const read = jest.spyOn(reflector, 'getAllAndOverride');
    await request('admin', 'GET', 'Bearer t').catch(() => undefined);
    const once = read.mock.calls.length;
    expect(once).toBeGreaterThan(0);
    expect((await refused(request('admin', 'GET', 'Bearer t'))).code).toBe('forbidden');
    await expect(request('health')).resolves.toMatchObject({ caller: undefined });
    const afterHealth = read.mock.calls.length;
    expect((await refused(request('admin', 'GET', 'Bearer t'))).code).toBe('forbidden');
    await expect(request('health')).resolves.toMatchObject({ caller: undefined });
    expect(read.mock.calls.length).toBe(afterHealth);
  });
});
