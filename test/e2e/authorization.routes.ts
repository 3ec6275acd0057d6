import { ApiClient, ApiResponse, create, createUser, expectStatus, uniq, User } from '../utils';

/**
 * The authorization matrix's routes (authorization.e2e-spec.ts): each with what it needs
 * (read, write, admin), its success status, how to make the record it acts on, and the
 * request. `w` is filled in the spec's beforeAll; the routes read it when they run.
 */
export type Role = 'admin' | 'manager' | 'sales_rep';
export type Visibility = 'team' | 'own';
export type Whose = 'own' | 'other';
/** read: any reader may; write: owners, managers, admins; admin: admins only. */
export type Need = 'read' | 'write' | 'admin';

export interface Rec {
  id: string;
  /** For opportunities: another record hanging off it, etc. */
  [k: string]: unknown;
}

export interface Route {
  name: string;
  need: Need;
  ok: number;
  /** Makes the record acted on (by the admin, on the team replica), owned by `owner` or not. */
  setup: (owner: User, other: User) => Promise<Rec>;
  act: (client: ApiClient, rec: Rec) => Promise<ApiResponse>;
  /** A route about no existing record (a create, the caller themself): asked once, not for own/other. */
  noRecord?: true;
}

/** What the routes act as and on: set in the spec's beforeAll, read when a route runs. */
export interface MatrixWorld {
  admin: ApiClient;
  adminId: string;
  /** The owner of every "other" record: a rep none of the actors is. */
  stranger: User;
}

export function matrix(w: MatrixWorld) {
  // Records are made by the admin, so ownership comes from the assignee/owner field where
  // a kind has one, and from being the creator where it has none (contacts, quotes).
  const lead = async (owner: User) => create(w.admin, 'leads', { name: uniq('M Lead'), assigned_to: owner.id });
  const contact = async (owner: User) => create(owner.client, 'contacts', { name: uniq('M Contact') });
  const opportunity = async (owner: User) => create(w.admin, 'opportunities', { name: uniq('M Opp'), amount: '5', owner: owner.id });
  const quote = async (owner: User) => create(owner.client, 'quotes', { title: uniq('M Quote'), total_price: '1', opportunity: (await opportunity(owner)).id });
  const task = async (owner: User) => create(w.admin, 'tasks', { action: 'Call', target: uniq('M Target'), assigned_to: owner.id });
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
      setup: async () => ({ id: expectStatus(await w.admin.post('/api/api-keys/', { name: uniq('Matrix key'), scopes: ['read'] }), 201).id }),
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
        act: (c, r) => c.patch(`/api/${resource}/${r.id}/`, { [field]: w.stranger.id }),
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
        const log = expectStatus(await w.admin.post(`/api/leads/${l.id}/log_interaction/`, { type: 'note', summary: 'matrix note' }, { prefer: 'wait=10' }), 201);
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
      setup: async () => ({ id: (await createUser(w.admin)).id }),
      act: (c, r) => c.patch(`/api/users/${r.id}/`, { role: 'manager' }),
    },
    {
      name: 'PATCH /api/users/{id}/ (disable)',
      need: 'admin',
      ok: 200,
      noRecord: true,
      setup: async () => ({ id: (await createUser(w.admin)).id }),
      act: (c, r) => c.patch(`/api/users/${r.id}/`, { disabled: true }),
    },
    {
      name: 'POST /api/users/{id}/password/',
      need: 'admin',
      ok: 204,
      noRecord: true,
      setup: async () => ({ id: (await createUser(w.admin)).id }),
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
      act: (c) => c.get(`/api/interaction-logs/export/?format=ndjson&user=${w.adminId}`),
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
      act: (c) => c.post('/api/leads/', { name: uniq('New'), assigned_to: w.stranger.id }),
    },
    { name: 'POST /api/contacts/', need: 'read', ok: 201, noRecord: true, setup: async () => ({ id: '' }), act: (c) => c.post('/api/contacts/', { name: uniq('New') }) },
    {
      name: 'POST /api/opportunities/',
      need: 'read',
      ok: 201,
      noRecord: true,
      setup: async () => ({ id: '' }),
      act: (c) => c.post('/api/opportunities/', { name: uniq('New'), owner: w.stranger.id }),
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
      act: (c) => c.post('/api/tasks/', { action: 'Call', target: 'x', assigned_to: w.stranger.id }),
    },
  );
  for (const resource of Object.keys(makers)) {
    routes.push({ name: `GET /api/${resource}/`, need: 'read', ok: 200, noRecord: true, setup: async () => ({ id: '' }), act: (c) => c.get(`/api/${resource}/`) });
  }

  return { routes, makers, lead };
}

/** What the rules say the answer is. */
export function expected(role: Role, setting: Visibility, whose: Whose, route: Route): number {
  if (route.need === 'admin') return role === 'admin' ? route.ok : 403;
  if (role !== 'sales_rep' || whose === 'own') return route.ok;
  if (setting === 'own') return 404;
  return route.need === 'read' ? route.ok : 403;
}
