import { createHash } from 'node:crypto';
import { Client } from 'pg';
import {
  api,
  ApiClient,
  ApiResponse,
  AppProcess,
  create,
  createUser,
  eventually,
  expectStatus,
  logsEventually,
  sendRaw,
  startApi,
  startLogger,
  testEnv,
  uniq,
  User,
} from '../utils';
import { openStream } from '../utils/sse';

jest.setTimeout(300_000);

/**
 * API keys for integrations (README "Integrating", docs/decisions.md "API keys"): an admin
 * creates a key and sees its secret once; the key acts as a service user named after it,
 * under a sales rep's rules (or an admin's with the `admin` scope), reads only unless it
 * has `write`, and is refused on every replica from the request after its revocation.
 */
describe('API keys', () => {
  let a: AppProcess;
  let b: AppProcess;
  /** A replica allowing one active key only: the bound. */
  let capped: AppProcess;
  let logger: AppProcess;
  let admin: ApiClient;
  let rep: User;
  let db: Client;

  interface Made {
    id: string;
    secret: string;
    user: string;
    name: string;
    /** A client sending the key, on replica a and on replica b. */
    onA: ApiClient;
    onB: ApiClient;
  }

  async function makeKey(scopes: string[], name = uniq('Web form')): Promise<Made> {
    const body = expectStatus(await admin.post('/api/api-keys/', { name, scopes }), 201);
    return { id: body.id, secret: body.secret, user: body.user, name, onA: new ApiClient(a.url, body.secret), onB: new ApiClient(b.url, body.secret) };
  }

  function expectError(res: ApiResponse, status: number, message?: RegExp): void {
    if (res.status !== status) throw new Error(`expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    expect(res.body).toEqual({ status, error: expect.any(String), message: expect.anything() });
    if (message) expect(JSON.stringify(res.body.message)).toMatch(message);
  }

  beforeAll(async () => {
    [a, b, capped, logger] = await Promise.all([startApi(), startApi(), startApi({ API_KEYS_MAX: '1' }), startLogger()]);
    admin = await api(a.url);
    rep = await createUser(admin);
    db = new Client({ connectionString: testEnv().databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await Promise.all([a?.stop(), b?.stop(), capped?.stop(), logger?.stop()]);
  });

  it('creating a key answers its secret once; the database keeps only its SHA-256; the list never shows it', async () => {
    const name = uniq('Web form');
    const created = expectStatus(await admin.post('/api/api-keys/', { name, scopes: ['write'] }), 201);
    expect(created.secret).toMatch(/^crmk_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ name, scopes: ['read', 'write'], last_used_at: null, revoked_at: null, user: expect.any(String) });
    expect(created.hint).toBe(`${created.secret.slice(0, 9)}…${created.secret.slice(-4)}`);

    const { rows } = await db.query('select row_to_json(k)::text as text, secret_hash from crm.api_keys k where id = $1', [created.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].text).not.toContain(created.secret);
    expect(rows[0].text).not.toContain(created.secret.slice(5, 40));
    expect(rows[0].secret_hash).toBe(createHash('sha256').update(created.secret).digest('hex'));

    const listed = expectStatus(await admin.get('/api/api-keys/?limit=100'), 200);
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    const mine = listed.results.find((k: { id: string }) => k.id === created.id);
    expect(Object.keys(mine).sort()).toEqual(['created_at', 'created_by', 'hint', 'id', 'last_used_at', 'name', 'revoked_at', 'scopes', 'updated_at', 'user']);
    expect(mine.last_used_at).toBeNull();

    // Used once (on the other replica): the list shows when.
    expectStatus(await new ApiClient(b.url, created.secret).get('/api/leads/'), 200);
    const used = expectStatus(await admin.get('/api/api-keys/?limit=100'), 200).results.find((k: { id: string }) => k.id === created.id);
    expect(Date.parse(used.last_used_at)).toBeGreaterThan(Date.now() - 60_000);

    // Its service user is in the users list, named after the key.
    const users = expectStatus(await admin.get(`/api/users/${created.user}/`), 200);
    expect(users).toMatchObject({ id: created.user, name, kind: 'service', role: 'sales_rep', disabled: false });
    expect(expectStatus(await admin.get('/api/users/me/'), 200).kind).toBe('person');
    const services = expectStatus(await admin.get('/api/users/?kind=service&limit=100'), 200).results;
    expect(services.map((u: { id: string }) => u.id)).toContain(created.user);
    expect(services.every((u: { kind: string }) => u.kind === 'service')).toBe(true);
    expect((await rep.client.get('/api/users/?kind=service')).status).toBe(403);
  });

  it('a write with a key is attributed to its service user in the feed, with data.actor.kind = "api_key"', async () => {
    const key = await makeKey(['read', 'write']);
    const lead = expectStatus(await key.onA.post('/api/leads/', { name: uniq('Form lead') }), 201);
    expect(lead.created_by).toBe(key.user);
    const [log] = await logsEventually(admin, { lead: lead.id }, 1);
    expect(log.user).toBe(key.user);
    expect((log as unknown as { data: { actor: unknown } }).data.actor).toEqual({ id: key.user, name: key.name, kind: 'api_key' });
    // A person's write says so too.
    const theirs = await create(admin, 'leads', { name: uniq('Person lead') });
    const [personLog] = await logsEventually(admin, { lead: theirs.id }, 1);
    expect((personLog as unknown as { data: { actor: { kind: string } } }).data.actor.kind).toBe('user');
  });

  it('a read-only key reads (GET 200) and is refused every write (403 naming the scope)', async () => {
    const key = await makeKey(['read']);
    const lead = await create(admin, 'leads', { name: uniq('Read lead') });
    expectStatus(await key.onA.get('/api/leads/'), 200);
    expectStatus(await key.onA.get(`/api/leads/${lead.id}/`), 200);
    expectError(await key.onA.post('/api/leads/', { name: 'Nope' }), 403, /write/);
    expectError(await key.onA.patch(`/api/leads/${lead.id}/`, { company: 'Nope' }), 403, /write/);
    expectError(await key.onA.delete(`/api/leads/${lead.id}/`), 403, /write/);
    expectStatus(await admin.get(`/api/leads/${lead.id}/`), 200); // still there
  });

  it("a key without the admin scope follows a sales rep's rules; one with it, an admin's", async () => {
    const repKey = await makeKey(['write']);
    const repsLead = await create(admin, 'leads', { name: uniq('Reps lead'), assigned_to: rep.id });
    expectError(await repKey.onA.patch(`/api/leads/${repsLead.id}/`, { company: 'Mine now' }), 403, /sales rep/);
    const ownLead = expectStatus(await repKey.onA.post('/api/leads/', { name: uniq('Own lead') }), 201);
    expectStatus(await repKey.onA.patch(`/api/leads/${ownLead.id}/`, { company: 'Changed' }), 200);
    expectError(await repKey.onA.get('/api/api-keys/'), 403, /admin/);
    expectError(await repKey.onA.post('/api/api-keys/', { name: uniq('Escalate'), scopes: ['admin'] }), 403);
    expectError(await repKey.onA.post('/api/users/', { email: 'x@crm.test', password: 'a long enough pass', name: 'X' }), 403);
    // A person's session routes are not a key's.
    expectError(await repKey.onA.post('/api/auth/logout/'), 403, /API key/);
    expectError(await repKey.onA.post('/api/users/me/password/', { current_password: 'x', new_password: 'another long one' }), 403, /API key/);
    expectStatus(await repKey.onA.get('/api/leads/'), 200); // the refusals above revoked nothing

    const adminKey = await makeKey(['write', 'admin']);
    expect(expectStatus(await admin.get(`/api/users/${adminKey.user}/`), 200).role).toBe('admin');
    expectStatus(await adminKey.onA.patch(`/api/leads/${repsLead.id}/`, { company: 'Admin key was here' }), 200);
    expectStatus(await adminKey.onA.get('/api/api-keys/'), 200);
    const madeUser = expectStatus(
      await adminKey.onA.post('/api/users/', { email: `${uniq('k').replace(' ', '.')}@crm.test`, password: 'a long enough pass', name: uniq('By key') }),
      201,
    );
    expect(madeUser.created_by).toBe(adminKey.user);
    // Admin rights without `write` read only.
    const adminReader = await makeKey(['read', 'admin']);
    expectStatus(await adminReader.onA.get('/api/api-keys/'), 200);
    expectError(await adminReader.onA.post('/api/api-keys/', { name: uniq('No'), scopes: ['read'] }), 403, /write/);
  });

  it('revoking a key through one replica: the other refuses it at the next request and ends its open stream', async () => {
    const key = await makeKey(['read']);
    const stream = openStream(key.onB, {});
    await stream.opened();
    expectStatus(await key.onB.get('/api/users/me/'), 200);
    // A key has no expiry: its stream outlives a re-check of the open streams (every 5 s) until the revocation.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(stream.ended()).toBe(false);
    expect((await admin.delete(`/api/api-keys/${key.id}/`)).status).toBe(204);
    expectError(await key.onB.get('/api/leads/'), 401, /revoked/);
    expectError(await key.onA.get('/api/leads/'), 401, /revoked/);
    await eventually(() => expect(stream.ended()).toBe(true), { timeout: 10_000 });
    await stream.close();

    const listed = expectStatus(await admin.get('/api/api-keys/?limit=100'), 200).results.find((k: { id: string }) => k.id === key.id);
    expect(Date.parse(listed.revoked_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(expectStatus(await admin.get(`/api/users/${key.user}/`), 200).disabled).toBe(true);
    // Again: nothing changes; an unknown key: 404.
    expect((await admin.delete(`/api/api-keys/${key.id}/`)).status).toBe(204);
    expectError(await admin.delete('/api/api-keys/00000000-0000-4000-8000-000000000000/'), 404);
    // A revoked key's name may be taken again.
    expectStatus(await admin.post('/api/api-keys/', { name: key.name, scopes: ['read'] }), 201);
  });

  it('bad input answers 400 naming the field; a taken name 409', async () => {
    expectError(await admin.post('/api/api-keys/', { scopes: ['read'] }), 400, /name/);
    expectError(await admin.post('/api/api-keys/', { name: '   ', scopes: ['read'] }), 400, /name/);
    expectError(await admin.post('/api/api-keys/', { name: 'x'.repeat(101), scopes: ['read'] }), 400, /name/);
    expectError(await admin.post('/api/api-keys/', { name: uniq('K') }), 400, /scopes/);
    expectError(await admin.post('/api/api-keys/', { name: uniq('K'), scopes: [] }), 400, /scopes/);
    expectError(await admin.post('/api/api-keys/', { name: uniq('K'), scopes: ['root'] }), 400, /scopes/);
    expectError(await admin.post('/api/api-keys/', { name: uniq('K'), scopes: ['read', 'read'] }), 400, /scopes/);
    expectError(await admin.post('/api/api-keys/', { name: uniq('K'), scopes: ['read'], secret: 'mine' }), 400, /secret/);
    expectError(await admin.get('/api/api-keys/?limit=1000'), 400, /limit/);
    const taken = await makeKey(['read']);
    expectError(await admin.post('/api/api-keys/', { name: taken.name.toUpperCase(), scopes: ['read'] }), 409, /name/);
  });

  it('garbage and unknown keys answer 401 (with a body too, before it is read); the secret never reaches the logs', async () => {
    const garbage = new ApiClient(a.url, 'crmk_x');
    expectError(await garbage.get('/api/leads/'), 401, /API key/);
    expectError(await garbage.post('/api/leads/', { name: 'x' }), 401, /API key/);
    const unknown = new ApiClient(b.url, `crmk_${'A'.repeat(43)}`);
    expectError(await unknown.get('/api/leads/'), 401, /API key/);
    const res = await sendRaw(`${b.url}/api/leads/`, 'POST', JSON.stringify({ name: 'x' }), { authorization: `Bearer crmk_${'B'.repeat(43)}`, 'content-type': 'application/json' });
    expectError(res, 401);
    expect(res.headers.get('connection')).toBe('close');

    const key = await makeKey(['read']);
    expectStatus(await key.onA.get('/api/leads/'), 200);
    expect(a.output()).not.toContain(key.secret);
  });

  it("a key's service user cannot sign in, nor be given a password or another role", async () => {
    const key = await makeKey(['read']);
    const { rows } = await db.query('select email from crm.users where id = $1', [key.user]);
    const login = await sendRaw(`${a.url}/api/auth/token/`, 'POST', JSON.stringify({ email: rows[0].email, password: 'whatever it is' }), { 'content-type': 'application/json' });
    expectError(login, 401);
    expectError(await admin.post(`/api/users/${key.user}/password/`, { password: 'a long enough pass' }), 409, /API key/);
    expectError(await admin.patch(`/api/users/${key.user}/`, { role: 'admin' }), 409, /API key/);
  });

  it(`at most API_KEYS_MAX active keys: one more is 409`, async () => {
    await makeKey(['read']);
    const cappedAdmin = new ApiClient(capped.url, admin.token);
    expectError(await cappedAdmin.post('/api/api-keys/', { name: uniq('One too many'), scopes: ['read'] }), 409, /at most 1 active/);
  });
});
