import { CHANNELS } from '@app/contracts';
import { newTestService } from '../../../../test/utils/service-test';
import { ApiKeysRepository } from '../api-keys/api-keys.repository';
import type { Caller, Role } from '../common/request-context';
import { SessionsListener } from './sessions.listener';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

/** The stream registry alone: which NOTIFY ends which stream, the re-check after a lost LISTEN, the cap. */
describe('SessionsService streams', () => {
  let liveRows: { id: string; role: Role }[] = [];
  /** What both repositories answer: the live ones among the ids asked for. */
  const live = async (ids: string[]) => new Map(liveRows.filter((r) => ids.includes(r.id)).map((r) => [r.id, r.role] as const));
  const caller = (id: string, sessionId: string, role: Caller['role'] = 'sales_rep'): Caller => ({
    id,
    sessionId,
    role,
    kind: 'user',
    name: id,
    email: `${id}@x.co`,
    expiresAt: new Date(Date.now() + 60_000),
  });
  /** The service with its two private handlers reachable (what the LISTEN connection calls). */
  type Exposed = Pick<SessionsService, 'track'> & { onEnded(p: string): void; recheck(): Promise<void> };
  const service = async () => {
    const t = await newTestService(SessionsService);
    t.mock(SessionsRepository).liveRoles.mockImplementation(live);
    t.mock(ApiKeysRepository).liveRoles.mockImplementation(live);
    return t.sut as unknown as Exposed;
  };

  it("a session NOTIFY ends that session's streams; a user NOTIFY all of the user's but the one excepted", async () => {
    const s = await service();
    const ended: string[] = [];
    const untrack = ['a1', 'a2', 'b1'].map((sid) => s.track(caller(sid[0], sid), () => ended.push(sid)));
    s.onEnded(JSON.stringify({ session: 'a1' }));
    expect(ended).toEqual(['a1']);
    s.onEnded(JSON.stringify({ user: 'a', except: 'a1' }));
    expect(ended).toEqual(['a1', 'a2']);
    s.onEnded('not json');
    expect(ended).toEqual(['a1', 'a2']);
    untrack.forEach((u) => u());
  });

  it('after a lost LISTEN, streams whose session is gone or whose role changed end', async () => {
    const s = await service();
    const ended: string[] = [];
    const untrack = [s.track(caller('a', 's1'), () => ended.push('s1')), s.track(caller('b', 's2'), () => ended.push('s2')), s.track(caller('c', 's3'), () => ended.push('s3'))];
    liveRows = [
      { id: 's1', role: 'sales_rep' },
      { id: 's3', role: 'manager' },
    ];
    await s.recheck();
    expect(ended.sort()).toEqual(['s2', 's3']);
    untrack.forEach((u) => u());
  });

  it('at most maxPerUser streams per user: the next is a 429', async () => {
    const s = await service();
    const untrack = [s.track(caller('a', 's1'), () => undefined, 2), s.track(caller('a', 's1'), () => undefined, 2)];
    expect(() => s.track(caller('a', 's1'), () => undefined, 2)).toThrow(/at most 2 open streams/);
    const other = s.track(caller('b', 's2'), () => undefined, 2);
    untrack[0]();
    s.track(caller('a', 's1'), () => undefined, 2)();
    [untrack[1], other].forEach((u) => u());
  });

  it('a stream ends when its session expires, not before', async () => {
    jest.useFakeTimers({ now: Date.now() });
    try {
      const s = await service();
      let ended = false;
      const untrack = s.track({ ...caller('a', 's1'), expiresAt: new Date(Date.now() + 20_000) }, () => (ended = true));
      jest.advanceTimersByTime(19_999);
      expect(ended).toBe(false);
      jest.advanceTimersByTime(1);
      expect(ended).toBe(true);
      untrack();
    } finally {
      jest.useRealTimers();
    }
  });

  it("an API key's stream has no expiry: it ends when a user NOTIFY names its service user, or when the re-check finds the key revoked", async () => {
    jest.useFakeTimers({ now: Date.now() });
    try {
      const s = await service();
      const ended: string[] = [];
      const key = (id: string, apiKeyId: string): Caller => ({ id, name: id, email: `${id}@x.co`, role: 'sales_rep', kind: 'api_key', apiKeyId, scopes: ['read'] });
      const untrack = [s.track(key('u1', 'k1'), () => ended.push('k1')), s.track(key('u2', 'k2'), () => ended.push('k2')), s.track(key('u3', 'k3'), () => ended.push('k3'))];
      jest.advanceTimersByTime(365 * 86_400_000);
      expect(ended).toEqual([]);
      s.onEnded(JSON.stringify({ user: 'u1' }));
      expect(ended).toEqual(['k1']);
      untrack[0](); // its stream closed, as the feed does once ended
      liveRows = [{ id: 'k2', role: 'sales_rep' }];
      await s.recheck();
      expect(ended).toEqual(['k1', 'k3']);
      untrack.forEach((u) => u());
    } finally {
      jest.useRealTimers();
    }
  });
});

/** Sessions as records: what is written, ended and announced to the other replicas. */
describe('SessionsService sessions', () => {
  const USER = '0b9f7a52-2f2c-4d8e-9a55-6f0e1c7d2a11';
  async function sessions() {
    const t = await newTestService(SessionsService, { env: { JWT_TTL_SECONDS: '900' } });
    const repo = t.mock(SessionsRepository);
    for (const m of [repo.insert, repo.deleteEndedBefore, repo.delete, repo.deleteAllOf, repo.notify]) m.mockResolvedValue();
    return { sut: t.sut, repo, listener: t.mock(SessionsListener) };
  }

  it('open: a new session id lasting JWT_TTL_SECONDS, and sessions ended over an hour ago removed', async () => {
    const { sut, repo } = await sessions();
    const id = await sut.open(USER);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(repo.insert).toHaveBeenCalledWith(id, USER, 900);
    expect(repo.deleteEndedBefore).toHaveBeenCalledWith(3600);
    expect(await sut.open(USER)).not.toBe(id);
  });

  it("caller: the live session's user as a session caller, or null", async () => {
    const { sut, repo } = await sessions();
    const expiresAt = new Date(Date.now() + 60_000);
    repo.liveUser.mockResolvedValueOnce({ id: USER, name: 'Ann', email: 'ann@x.co', role: 'manager', expiresAt }).mockResolvedValueOnce(null);
    await expect(sut.caller('s1', USER)).resolves.toEqual({ id: USER, name: 'Ann', email: 'ann@x.co', role: 'manager', kind: 'user', sessionId: 's1', expiresAt });
    await expect(sut.caller('s1', USER)).resolves.toBeNull();
  });

  it('end, endAllOf and rightsChanged tell every replica through the sessions channel, after the rows are gone', async () => {
    const { sut, repo } = await sessions();
    await sut.end('s1');
    await sut.endAllOf(USER, 's2');
    await sut.rightsChanged(USER);
    expect(repo.delete).toHaveBeenCalledWith('s1');
    expect(repo.deleteAllOf).toHaveBeenCalledWith(USER, 's2');
    expect(repo.notify.mock.calls).toEqual([
      [CHANNELS.sessions, JSON.stringify({ session: 's1' })],
      [CHANNELS.sessions, JSON.stringify({ user: USER, except: 's2' })],
      [CHANNELS.sessions, JSON.stringify({ user: USER })],
    ]);
    expect(repo.delete.mock.invocationCallOrder[0]).toBeLessThan(repo.notify.mock.invocationCallOrder[0]);
  });

  it('listens from module init to application shutdown', async () => {
    const { sut, listener } = await sessions();
    listener.start.mockReturnValue();
    listener.stop.mockResolvedValue();
    sut.onModuleInit();
    expect(listener.start).toHaveBeenCalledTimes(1);
    await sut.onApplicationShutdown();
    expect(listener.stop).toHaveBeenCalledTimes(1);
  });
});
