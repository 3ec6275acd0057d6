import { api, ApiClient, AppProcess, createUser, eventually, expectStatus, feed, sendRaw, startApi, startLogger, uniq, User } from '../utils';
import { openStream } from '../utils/sse';
import { expected, matrix, MatrixWorld, Rec, Role, Visibility } from './authorization.routes';

jest.setTimeout(600_000);

/**
 * The authorization matrix: each role × each route × a record of the caller's own and
 * another's × both RECORD_VISIBILITY settings. Two crm-api processes on the run's
 * database, one per setting; a token from either works on both.
 *
 * The rules (apps/crm-api/src/auth/policy.ts): admin and manager do everything on every
 * record, only an admin manages users; a sales rep writes only what they own (assignee,
 * owner or creator); with `team` a rep reads everything and a write on another's record
 * is 403, with `own` another's record does not exist for them (404) and no log of it
 * reaches them.
 */
describe('authorization matrix', () => {
  let team: AppProcess;
  let own: AppProcess;
  let logger: AppProcess;
  let admin: ApiClient;
  let adminId: string;
  /** The actors, by role, each with a client on each replica. */
  const actors = {} as Record<Role, User>;
  /** The owner of every "other" record: a rep none of the actors is. */
  let stranger: User;
  const on = (client: ApiClient, setting: Visibility) => new ApiClient(setting === 'team' ? team.url : own.url, client.token);

  beforeAll(async () => {
    [team, own, logger] = await Promise.all([startApi({ RECORD_VISIBILITY: 'team' }), startApi({ RECORD_VISIBILITY: 'own' }), startLogger()]);
    admin = await api(team.url);
    adminId = expectStatus(await admin.get('/api/users/me/'), 200).id;
    actors.admin = { id: adminId, email: '', name: 'Admin', client: admin };
    actors.manager = await createUser(admin, 'manager');
    actors.sales_rep = await createUser(admin);
    stranger = await createUser(admin);
    Object.assign(world, { admin, adminId, stranger });
  });

  afterAll(async () => {
    await Promise.all([team?.stop(), own?.stop(), logger?.stop()]);
  });

  /** What the matrix's routes act as and on (authorization.routes.ts), set in beforeAll. */
  const world = {} as MatrixWorld;
  const { routes, makers, lead } = matrix(world);

  for (const setting of ['team', 'own'] as const) {
    for (const role of ['admin', 'manager', 'sales_rep'] as const) {
      it(`RECORD_VISIBILITY=${setting}, ${role}: every route on their own and another's record`, async () => {
        const actor = actors[role];
        const client = on(actor.client, setting);
        const wrong: string[] = [];
        for (const route of routes) {
          for (const whose of ['own', 'other'] as const) {
            if (route.noRecord && whose === 'other') continue;
            const rec = await route.setup(whose === 'own' ? actor : stranger, actor);
            const res = await route.act(client, rec);
            const want = expected(role, setting, whose, route);
            if (res.status !== want) wrong.push(`${route.name} (${whose}): expected ${want}, got ${res.status} ${JSON.stringify(res.body)}`);
            else if (res.status >= 400) expect(res.body).toEqual({ status: want, error: expect.any(String), message: expect.anything() });
          }
        }
        expect(wrong).toEqual([]);
      });
    }

    it(`RECORD_VISIBILITY=${setting}: lists show a rep ${setting === 'own' ? 'only their own records' : 'every record'}; managers and admins everything`, async () => {
      for (const [resource, make] of Object.entries(makers)) {
        const mine = await make(actors.sales_rep);
        const theirs = await make(stranger);
        for (const role of ['admin', 'manager', 'sales_rep'] as const) {
          const ids = expectStatus(await on(actors[role].client, setting).get(`/api/${resource}/?limit=100`), 200).results.map((r: Rec) => r.id);
          expect(ids).toContain(mine.id);
          if (role === 'sales_rep' && setting === 'own') expect(ids).not.toContain(theirs.id);
          else expect(ids).toContain(theirs.id);
        }
      }
    });
  }

  it('nobody (no token): every route of the matrix answers 401', async () => {
    /** Sends no Authorization header at all. */
    class Nobody extends ApiClient {
      override request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
        return super.request<T>(method, path, body, { ...headers, authorization: '' });
      }
    }
    const wrong: string[] = [];
    for (const setting of ['team', 'own'] as const) {
      const nobody = new Nobody(setting === 'team' ? team.url : own.url, '');
      for (const route of routes) {
        const res = await route.act(nobody, await route.setup(stranger, actors.sales_rep));
        if (res.status !== 401) wrong.push(`${route.name} (${setting}): expected 401, got ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('RECORD_VISIBILITY=own: the feed, its filters, one log, the live stream and the status never show a rep a log of a record they cannot read', async () => {
    const rep = on(actors.sales_rep.client, 'own');
    const stream = openStream(rep, {});
    await stream.opened();
    const theirs = await lead(stranger);
    const mine = await lead(actors.sales_rep);
    const hidden = expectStatus(await admin.post(`/api/leads/${theirs.id}/log_interaction/`, { type: 'call', summary: 'secret call' }, { prefer: 'wait=10' }), 201);
    const shown = expectStatus(await admin.post(`/api/leads/${mine.id}/log_interaction/`, { type: 'call', summary: 'shared call' }, { prefer: 'wait=10' }), 201);
    // The stream serves logs in commit order: once the later one arrived, the earlier one would have too.
    await eventually(() => expect(stream.events.map((e) => e.data.id)).toContain(shown.id));
    expect(stream.events.map((e) => e.data.id)).not.toContain(hidden.id);
    expect(stream.events.every((e) => e.data.lead !== theirs.id)).toBe(true);
    await stream.close();

    expect((await feed(rep, { lead: theirs.id })).results).toEqual([]);
    expect((await feed(rep, { user: adminId })).results.map((l) => l.id)).not.toContain(hidden.id);
    expect((await feed(rep, { lead: mine.id })).results.map((l) => l.id)).toContain(shown.id);
    const grouped = expectStatus(await rep.get(`/api/interaction-logs/?group=correlation&correlation_id=${hidden.correlation_id}`), 200);
    expect(grouped.results).toEqual([]);
    expect((await rep.get(`/api/interaction-logs/${hidden.id}/`)).status).toBe(404);
    // In team mode the same rep reads it all.
    expect((await on(actors.sales_rep.client, 'team').get(`/api/interaction-logs/${hidden.id}/`)).status).toBe(200);

    const status = expectStatus(await rep.get('/api/interaction-logs/status/'), 200);
    expect(status).toMatchObject({ current: expect.any(Boolean), outbox: null, queue: null });
    expect(expectStatus(await on(actors.manager.client, 'own').get('/api/interaction-logs/status/'), 200).outbox).toEqual(expect.objectContaining({ pending: expect.any(Number) }));
  });

  it('the API key routes answer 401 to nobody (no token), before any body is read', async () => {
    const key = expectStatus(await admin.post('/api/api-keys/', { name: uniq('Nobody key'), scopes: ['read'] }), 201);
    for (const res of [
      await sendRaw(`${team.url}/api/api-keys/`, 'GET', undefined),
      await sendRaw(`${own.url}/api/api-keys/`, 'POST', JSON.stringify({ name: 'x', scopes: ['read'] }), { 'content-type': 'application/json' }),
      await sendRaw(`${team.url}/api/api-keys/${key.id}/`, 'DELETE', undefined),
    ]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ status: 401, error: expect.any(String), message: expect.anything() });
    }
    expect(expectStatus(await admin.get('/api/api-keys/?limit=100'), 200).results.find((k: { id: string }) => k.id === key.id).revoked_at).toBeNull();
  });

  it('the users list shows a rep and a manager names only; an admin every field', async () => {
    for (const setting of ['team', 'own'] as const) {
      for (const role of ['manager', 'sales_rep'] as const) {
        const { results } = expectStatus(await on(actors[role].client, setting).get('/api/users/?limit=100'), 200);
        expect(results.length).toBeGreaterThan(1);
        for (const u of results) expect(Object.keys(u).sort()).toEqual(['id', 'name']);
        expect((await on(actors[role].client, setting).get('/api/users/?role=admin')).status).toBe(403);
        expect(Object.keys(expectStatus(await on(actors[role].client, setting).get(`/api/users/${adminId}/`), 200)).sort()).toEqual(['id', 'name']);
      }
      const { results } = expectStatus(await on(admin, setting).get('/api/users/?limit=100'), 200);
      expect(results[0]).toEqual(expect.objectContaining({ email: expect.any(String), role: expect.any(String) }));
    }
  });
});
