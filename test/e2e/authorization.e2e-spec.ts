import { api, ApiClient, ApiResponse, AppProcess, create, createUser, eventually, expectStatus, feed, sendRaw, startApi, startLogger, uniq, User } from '../utils';
import { openStream } from '../utils/sse';

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
type Role = 'admin' | 'manager' | 'sales_rep';
type Visibility = 'team' | 'own';
type Whose = 'own' | 'other';
/** read: any reader may; write: owners, managers, admins; admin: admins only. */
type Need = 'read' | 'write' | 'admin';

interface Rec {
  id: string;
  /** For opportunities: another record hanging off it, etc. */
  [k: string]: unknown;
}

interface Route {
  name: string;
  need: Need;
  ok: number;
  /** Makes the record acted on (by the admin, on the team replica), owned by `owner` or not. */
  setup: (owner: User, other: User) => Promise<Rec>;
  act: (client: ApiClient, rec: Rec) => Promise<ApiResponse>;
  /** A route about no existing record (a create, the caller themself): asked once, not for own/other. */
  noRecord?: true;
}

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
  });

  afterAll(async () => {
    await Promise.all([team?.stop(), own?.stop(), logger?.stop()]);
  });

  // Records are made by the admin, so ownership comes from the assignee/owner field where
  // a kind has one, and from being the creator where it has none (contacts, quotes).
  const lead = async (owner: User) => create(admin, 'leads', { name: uniq('M Lead'), assigned_to: owner.id });
  const contact = async (owner: User) => create(owner.client, 'contacts', { name: uniq('M Contact') });
  const opportunity = async (owner: User) => create(admin, 'opportunities', { name: uniq('M Opp'), amount: '5', owner: owner.id });
  const quote = async (owner: User) => create(owner.client, 'quotes', { title: uniq('M Quote'), total_price: '1', opportunity: (await opportunity(owner)).id });
  const task = async (owner: User) => create(admin, 'tasks', { action: 'Call', target: uniq('M Target'), assigned_to: owner.id });
  /** A note the owner logged on their own lead, once in the feed. */
  const manualLog = async (owner: User) => {
    const l = await lead(owner);
    return { id: expectStatus(await owner.client.post(`/api/leads/${l.id}/log_interaction/`, { type: 'note', summary: 'matrix note' }, { prefer: 'wait=10' }), 201).id };
  };
  const makers = { leads: lead, contacts: contact, opportunities: opportunity, quotes: quote, tasks: task } as const;
  const changes: Record<keyof typeof makers, Record<string, unknown>> = {
    leads: { company: 'Changed Co' },
    contacts: { company: 'Changed Co' },
    opportunities: { stage: 'proposal' },
    quotes: { title: 'Changed title' },
    tasks: { notes: 'changed' },
  };
  const reassign: Partial<Record<keyof typeof makers, string>> = { leads: 'assigned_to', opportunities: 'owner', tasks: 'assigned_to' };

  /** API keys: admins only (an admin-scoped key too, in api-keys.e2e-spec.ts). */
  const apiKeyRoutes = (): Route[] => [
    { name: 'GET /api/api-keys/', need: 'admin', ok: 200, noRecord: true, setup: async () => ({ id: '' }), act: (c) => c.get('/api/api-keys/') },
    {
      name: 'POST /api/api-keys/',
      need: 'admin',
      ok: 201,
      noRecord: true,
      setup: async () => ({ id: '' }),
      act: (c) => c.post('/api/api-keys/', { name: uniq('Matrix key'), scopes: ['read'] }),
    },
    {
      name: 'DELETE /api/api-keys/{id}/',
      need: 'admin',
      ok: 204,
      noRecord: true,
      setup: async () => ({ id: expectStatus(await admin.post('/api/api-keys/', { name: uniq('Matrix key'), scopes: ['read'] }), 201).id }),
      act: (c, r) => c.delete(`/api/api-keys/${r.id}/`),
    },
  ];

  const routes: Route[] = [];
  for (const [resource, make] of Object.entries(makers) as [keyof typeof makers, (u: User) => Promise<Rec>][]) {
    routes.push(
      { name: `GET /api/${resource}/{id}/`, need: 'read', ok: 200, setup: make, act: (c, r) => c.get(`/api/${resource}/${r.id}/`) },
      { name: `PATCH /api/${resource}/{id}/`, need: 'write', ok: 200, setup: make, act: (c, r) => c.patch(`/api/${resource}/${r.id}/`, changes[resource]) },
      { name: `DELETE /api/${resource}/{id}/`, need: 'write', ok: 204, setup: make, act: (c, r) => c.delete(`/api/${resource}/${r.id}/`) },
    );
    const field = reassign[resource];
    if (field) {
      routes.push({
        name: `PATCH /api/${resource}/{id}/ reassign`,
        need: 'write',
        ok: 200,
        setup: make,
        act: (c, r) => c.patch(`/api/${resource}/${r.id}/`, { [field]: stranger.id }),
      });
    }
  }
  for (const [resource, make] of [
    ['leads', lead],
    ['contacts', contact],
    ['opportunities', opportunity],
  ] as const) {
    routes.push({
      name: `POST /api/${resource}/{id}/log_interaction/`,
      need: 'write',
      ok: 202,
      setup: make,
      act: (c, r) => c.post(`/api/${resource}/${r.id}/log_interaction/`, { type: 'call', summary: 'matrix call' }),
    });
  }
  routes.push(
    {
      name: 'POST /api/leads/{id}/convert/',
      need: 'write',
      ok: 201,
      setup: lead,
      act: (c, r) => c.post(`/api/leads/${r.id}/convert/`, { opportunity: { name: uniq('Conv'), amount: '1' } }),
    },
    { name: 'POST /api/tasks/{id}/mark_completed/', need: 'write', ok: 200, setup: task, act: (c, r) => c.post(`/api/tasks/${r.id}/mark_completed/`, {}) },
    {
      name: 'POST /api/quotes/ on an opportunity',
      need: 'write',
      ok: 201,
      setup: opportunity,
      act: (c, r) => c.post('/api/quotes/', { title: uniq('Q'), total_price: '2', opportunity: r.id }),
    },
    { name: 'POST /api/tasks/ on a lead', need: 'read', ok: 201, setup: lead, act: (c, r) => c.post('/api/tasks/', { action: 'Call', target: 'x', lead: r.id }) },
    { name: 'POST /api/contacts/ from a lead', need: 'read', ok: 201, setup: lead, act: (c, r) => c.post('/api/contacts/', { name: uniq('C'), lead: r.id }) },
    { name: 'POST /api/opportunities/ on a contact', need: 'read', ok: 201, setup: contact, act: (c, r) => c.post('/api/opportunities/', { name: uniq('O'), contact: r.id }) },
    {
      name: 'GET /api/interaction-logs/{id}/',
      need: 'read',
      ok: 200,
      setup: async (owner) => {
        const l = await lead(owner);
        const log = expectStatus(await admin.post(`/api/leads/${l.id}/log_interaction/`, { type: 'note', summary: 'matrix note' }, { prefer: 'wait=10' }), 201);
        return { id: log.id };
      },
      act: (c, r) => c.get(`/api/interaction-logs/${r.id}/`),
    },
    // A manual log's author is its owner: they (and managers, admins) edit or delete it.
    {
      name: 'PATCH /api/interaction-logs/{id}/',
      need: 'write',
      ok: 202,
      setup: manualLog,
      act: (c, r) => c.patch(`/api/interaction-logs/${r.id}/`, { summary: 'matrix fix' }),
    },
    { name: 'DELETE /api/interaction-logs/{id}/', need: 'write', ok: 202, setup: manualLog, act: (c, r) => c.delete(`/api/interaction-logs/${r.id}/`) },
    {
      name: 'GET /api/interaction-logs/?opportunity={id}&include_contact=true',
      need: 'read',
      ok: 200,
      setup: opportunity,
      act: (c, r) => c.get(`/api/interaction-logs/?opportunity=${r.id}&include_contact=true`),
    },
    {
      name: 'POST /api/users/',
      need: 'admin',
      ok: 201,
      noRecord: true,
      setup: async () => ({ id: '' }),
      act: (c) => c.post('/api/users/', { email: `${uniq('u').replace(' ', '.')}@crm.test`, password: 'a long enough pass', name: uniq('U') }),
    },
    {
      name: 'PATCH /api/users/{id}/ (role)',
      need: 'admin',
      ok: 200,
      noRecord: true,
      setup: async () => ({ id: (await createUser(admin)).id }),
      act: (c, r) => c.patch(`/api/users/${r.id}/`, { role: 'manager' }),
    },
    {
      name: 'PATCH /api/users/{id}/ (disable)',
      need: 'admin',
      ok: 200,
      noRecord: true,
      setup: async () => ({ id: (await createUser(admin)).id }),
      act: (c, r) => c.patch(`/api/users/${r.id}/`, { disabled: true }),
    },
    {
      name: 'POST /api/users/{id}/password/',
      need: 'admin',
      ok: 204,
      noRecord: true,
      setup: async () => ({ id: (await createUser(admin)).id }),
      act: (c, r) => c.post(`/api/users/${r.id}/password/`, { password: 'another long secret' }),
    },
    ...apiKeyRoutes(),
    { name: 'GET /api/users/me/', need: 'read', ok: 200, noRecord: true, setup: async () => ({ id: '' }), act: (c) => c.get('/api/users/me/') },
    { name: 'GET /api/users/', need: 'read', ok: 200, noRecord: true, setup: async () => ({ id: '' }), act: (c) => c.get('/api/users/') },
    { name: 'GET /api/interaction-logs/', need: 'read', ok: 200, noRecord: true, setup: async () => ({ id: '' }), act: (c) => c.get('/api/interaction-logs/') },
    { name: 'GET /api/interaction-logs/status/', need: 'read', ok: 200, noRecord: true, setup: async () => ({ id: '' }), act: (c) => c.get('/api/interaction-logs/status/') },
    {
      name: 'GET /api/interaction-logs/export/',
      need: 'read',
      ok: 200,
      noRecord: true,
      setup: async () => ({ id: '' }),
      act: (c) => c.get(`/api/interaction-logs/export/?format=ndjson&user=${adminId}`),
    },
    {
      name: 'GET /api/interaction-logs/export/?contact={id}&rollup=true',
      need: 'read',
      ok: 200,
      noRecord: true,
      setup: async () => ({ id: '' }),
      act: (c) => c.get(`/api/interaction-logs/export/?format=csv&contact=00000000-0000-4000-8000-000000000000&rollup=true`),
    },
    {
      name: 'POST /api/leads/',
      need: 'read',
      ok: 201,
      noRecord: true,
      setup: async () => ({ id: '' }),
      act: (c) => c.post('/api/leads/', { name: uniq('New'), assigned_to: stranger.id }),
    },
    { name: 'POST /api/contacts/', need: 'read', ok: 201, noRecord: true, setup: async () => ({ id: '' }), act: (c) => c.post('/api/contacts/', { name: uniq('New') }) },
    {
      name: 'POST /api/opportunities/',
      need: 'read',
      ok: 201,
      noRecord: true,
      setup: async () => ({ id: '' }),
      act: (c) => c.post('/api/opportunities/', { name: uniq('New'), owner: stranger.id }),
    },
    {
      name: 'POST /api/quotes/',
      need: 'read',
      ok: 201,
      noRecord: true,
      setup: async () => ({ id: '' }),
      act: (c) => c.post('/api/quotes/', { title: uniq('New'), total_price: '3' }),
    },
    {
      name: 'POST /api/tasks/',
      need: 'read',
      ok: 201,
      noRecord: true,
      setup: async () => ({ id: '' }),
      act: (c) => c.post('/api/tasks/', { action: 'Call', target: 'x', assigned_to: stranger.id }),
    },
  );
  for (const resource of Object.keys(makers)) {
    routes.push({ name: `GET /api/${resource}/`, need: 'read', ok: 200, noRecord: true, setup: async () => ({ id: '' }), act: (c) => c.get(`/api/${resource}/`) });
  }

  /** What the rules say the answer is. */
  function expected(role: Role, setting: Visibility, whose: Whose, route: Route): number {
    if (route.need === 'admin') return role === 'admin' ? route.ok : 403;
    if (role !== 'sales_rep' || whose === 'own') return route.ok;
    if (setting === 'own') return 404;
    return route.need === 'read' ? route.ok : 403;
  }

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
