import { Client } from 'pg';
import { api, ApiClient, AppProcess, eventually, expectStatus, sendRaw, startApi, startLogger, testEnv, uniq, User } from '../utils';
import { openStream } from '../utils/sse';

jest.setTimeout(300_000);

/**
 * Access that can be taken back, on two replicas: what is revoked through one is refused
 * by the other at once, for REST calls and for its open streams. Server-side sessions
 * (docs/decisions.md): every request looks its session up; a revocation NOTIFYs every
 * replica, which ends the streams concerned.
 */
describe('sessions that can be ended', () => {
  let a: AppProcess;
  let b: AppProcess;
  /** A third replica whose tokens live 60 s: a stream must end when its token expires. */
  let short: AppProcess;
  let logger: AppProcess;
  let admin: ApiClient;
  const onB = (client: ApiClient) => new ApiClient(b.url, client.token);
  const login = (url: string, email: string, password: string) =>
    sendRaw(`${url}/api/auth/token/`, 'POST', JSON.stringify({ email, password }), { 'content-type': 'application/json' });
  const passwords = new Map<string, string>();
  /** A rep with a known password (createUser does not say it). */
  async function rep(role: 'sales_rep' | 'admin' = 'sales_rep'): Promise<User & { password: string }> {
    const name = uniq('Sess');
    const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}@crm.test`;
    const password = `pw-${uniq('x').replace(' ', '-')}`;
    const made = expectStatus(await admin.post('/api/users/', { email, password, name, role }), 201);
    passwords.set(made.id, password);
    return { id: made.id, email, name, password, client: await api(a.url, { email, password }) };
  }

  beforeAll(async () => {
    [a, b, short, logger] = await Promise.all([startApi(), startApi(), startApi({ JWT_TTL_SECONDS: '60' }), startLogger()]);
    admin = await api(a.url);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), short?.stop(), logger?.stop()]);
  });

  it('logout through one replica: the other refuses the token at once and ends its open stream', async () => {
    const user = await rep();
    const stream = openStream(onB(user.client), {});
    await stream.opened();
    expectStatus(await onB(user.client).get('/api/users/me/'), 200);
    expect((await user.client.post('/api/auth/logout/')).status).toBe(204);
    expect((await onB(user.client).get('/api/users/me/')).status).toBe(401);
    expect((await user.client.get('/api/users/me/')).status).toBe(401);
    await eventually(() => expect(stream.ended()).toBe(true), { timeout: 10_000 });
    await stream.close();
    // Another session of the same user is untouched by that logout, and a new sign-in works.
    expect((await login(b.url, user.email, user.password)).status).toBe(200);
  });

  it('an admin disables a user through one replica: the other refuses their tokens and ends their streams; sign-in is refused until re-enabled', async () => {
    const user = await rep();
    const second = await api(b.url, { email: user.email, password: user.password });
    const stream = openStream(second, {});
    await stream.opened();
    const res = expectStatus(await admin.patch(`/api/users/${user.id}/`, { disabled: true }), 200);
    expect(res).toMatchObject({ id: user.id, disabled: true });
    expect((await second.get('/api/users/me/')).status).toBe(401);
    expect((await onB(user.client).get('/api/leads/')).status).toBe(401);
    await eventually(() => expect(stream.ended()).toBe(true), { timeout: 10_000 });
    await stream.close();
    const refused = await login(b.url, user.email, user.password);
    expect(refused.status).toBe(401);
    expect(refused.body.message).toMatch(/disabled/);
    expectStatus(await admin.patch(`/api/users/${user.id}/`, { disabled: false }), 200);
    expect((await login(b.url, user.email, user.password)).status).toBe(200);
  });

  it('a demoted admin loses admin rights on the next request, on every replica, and their stream ends', async () => {
    const other = await rep('admin');
    const stream = openStream(onB(other.client), {});
    await stream.opened();
    expect(expectStatus(await onB(other.client).get('/api/users/me/'), 200).role).toBe('admin');
    expect((await onB(other.client).post('/api/users/', { nonsense: true })).status).toBe(400); // an admin: past the guard
    expectStatus(await admin.patch(`/api/users/${other.id}/`, { role: 'sales_rep' }), 200);
    // No cache: the very next request through the other replica is a rep's.
    expect((await onB(other.client).post('/api/users/', { nonsense: true })).status).toBe(403);
    expect(expectStatus(await onB(other.client).get('/api/users/me/'), 200).role).toBe('sales_rep');
    await eventually(() => expect(stream.ended()).toBe(true), { timeout: 10_000 });
    await stream.close();
    // An admin cannot demote or disable themself (the last admin could lock everyone out).
    const me = expectStatus(await admin.get('/api/users/me/'), 200);
    expect((await admin.patch(`/api/users/${me.id}/`, { role: 'sales_rep' })).status).toBe(409);
    expect((await other.client.patch(`/api/users/${me.id}/`, { disabled: true })).status).toBe(403);
  });

  it('an admin resets a password: every session of that user ends; the old password is refused, the new one works; weak ones are refused', async () => {
    const user = await rep();
    const stream = openStream(onB(user.client), {});
    await stream.opened();
    for (const weak of ['          ', user.email, user.name, 'password123']) {
      const res = await admin.post(`/api/users/${user.id}/password/`, { password: weak });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toMatch(/password: /);
    }
    expect((await onB(user.client).get('/api/users/me/')).status).toBe(200); // refused resets changed nothing
    const fresh = `new-${uniq('pw').replace(' ', '-')}`;
    expect((await admin.post(`/api/users/${user.id}/password/`, { password: fresh })).status).toBe(204);
    expect((await onB(user.client).get('/api/users/me/')).status).toBe(401);
    await eventually(() => expect(stream.ended()).toBe(true), { timeout: 10_000 });
    await stream.close();
    expect((await login(b.url, user.email, user.password)).status).toBe(401);
    expect((await login(b.url, user.email, fresh)).status).toBe(200);
    expect((await user.client.post(`/api/users/${user.id}/password/`, { password: fresh })).status).toBe(401); // its session is gone
  });

  it('a user changes their own password: the current one is required, weak ones are refused, their other sessions end and this one stays', async () => {
    const user = await rep();
    const other = await api(b.url, { email: user.email, password: user.password });
    const stream = openStream(other, {});
    await stream.opened();
    const change = (body: object) => user.client.post('/api/users/me/password/', body);
    expect((await change({ current_password: 'wrong one', new_password: 'a fine new secret' })).status).toBe(400);
    for (const weak of [user.email, '   \t    ', 'qwertyuiop']) expect((await change({ current_password: user.password, new_password: weak })).status).toBe(400);
    expect((await other.get('/api/users/me/')).status).toBe(200);
    expect((await change({ current_password: user.password, new_password: 'a fine new secret' })).status).toBe(204);
    expect((await other.get('/api/users/me/')).status).toBe(401);
    expect((await user.client.get('/api/users/me/')).status).toBe(200);
    await eventually(() => expect(stream.ended()).toBe(true), { timeout: 10_000 });
    await stream.close();
    expect((await login(a.url, user.email, 'a fine new secret')).status).toBe(200);
  });

  it('a user deleted in the database by hand (no NOTIFY): their stream ends within seconds and their token is refused', async () => {
    const user = await rep();
    const stream = openStream(onB(user.client), {});
    await stream.opened();
    const db = new Client({ connectionString: testEnv().databaseUrl });
    await db.connect();
    try {
      await db.query('delete from crm.users where id = $1', [user.id]); // its sessions go with it (on delete cascade)
    } finally {
      await db.end();
    }
    expect((await onB(user.client).get('/api/users/me/')).status).toBe(401);
    await eventually(() => expect(stream.ended()).toBe(true), { timeout: 20_000 });
    await stream.close();
  });

  it('new users get the password rules too: blank, the email, the name and common passwords are refused with 400 naming the field', async () => {
    const name = uniq('Weak');
    const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}@crm.test`;
    for (const password of ['          ', email, name, 'Password1', '12345678']) {
      const res = await admin.post('/api/users/', { email, password, name });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toMatch(/password: /);
    }
  });

  it('at most STREAMS_PER_USER open streams per user on a replica: the next is 429; closing one makes room', async () => {
    const c = await startApi({ STREAMS_PER_USER: '3' });
    try {
      const user = await rep();
      const client = new ApiClient(c.url, user.client.token);
      const streams = [openStream(client, {}), openStream(client, {}), openStream(client, {})];
      await Promise.all(streams.map((s) => s.opened()));
      const res = await client.get('/api/interaction-logs/stream/');
      expect(res.status).toBe(429);
      expect(res.body.message).toMatch(/at most 3 open streams/);
      // Another user is not affected.
      const other = await rep();
      const theirs = openStream(new ApiClient(c.url, other.client.token), {});
      await theirs.opened();
      await theirs.close();
      await streams[0].close();
      await eventually(
        async () => {
          const abort = new AbortController();
          const res = await fetch(`${c.url}/api/interaction-logs/stream/`, { headers: { authorization: `Bearer ${client.token}` }, signal: abort.signal });
          abort.abort();
          expect(res.status).toBe(200);
        },
        { timeout: 10_000 },
      );
      await Promise.all(streams.slice(1).map((s) => s.close()));
    } finally {
      await c.stop();
    }
  });

  it('a stream ends when its token expires (JWT_TTL_SECONDS=60), and the token is refused after', async () => {
    const user = await rep();
    const res = await login(short.url, user.email, user.password);
    const client = new ApiClient(short.url, expectStatus(res, 200).token);
    const stream = openStream(client, {});
    await stream.opened();
    await eventually(() => expect(stream.ended()).toBe(true), { timeout: 90_000, interval: 500 });
    await stream.close();
    expect((await client.get('/api/users/me/')).status).toBe(401);
  });
});
