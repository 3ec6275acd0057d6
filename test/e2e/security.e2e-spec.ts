import { createHmac, randomBytes, randomUUID, scrypt } from 'node:crypto';
import { Client } from 'pg';
import { api, ApiClient, ApiResponse, AppProcess, create, createUser, eventually, expectStatus, runApiToExit, sendRaw, startApi, startLogger, testEnv, uniq, User } from '../utils';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(120_000);

/**
 * Authentication, authorisation and what must never leak. crm-api runs with a JWT secret
 * and token lifetime of this file's own and debug logging, so the secret, the passwords
 * and the tokens it handles can be looked for in everything it printed.
 */
const JWT_SECRET = `jwt-${randomBytes(24).toString('hex')}`;
const TTL_SECONDS = 600;
/** Health (and its probes), metrics and the token route; the docs and dashboard are not in the description. */
const isPublic = (method: string, path: string) =>
  (method === 'GET' && /^\/(health|metrics)(\/|$)/.test(path)) || (method === 'POST' && path.replace(/\/$/, '') === '/api/auth/token');

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
/** An HS256 JWT made here, independently of crm-api's code. */
function jwt(claims: Record<string, unknown>, { secret = JWT_SECRET, alg = 'HS256' } = {}): string {
  const body = `${b64url({ alg, typ: 'JWT' })}.${b64url(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}
const now = () => Math.floor(Date.now() / 1000);

/** api.md's error shape, exactly. */
function expectError(res: ApiResponse, status: number): void {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  expect(res.body).toEqual({ status, error: expect.any(String), message: expect.anything() });
}

function request(url: string, method: string, headers: Record<string, string> = {}, body?: unknown): Promise<ApiResponse> {
  const json: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  return sendRaw(url, method, body === undefined ? undefined : JSON.stringify(body), { ...json, ...headers });
}

describe('security', () => {
  const env = testEnv();
  let apiProcess: AppProcess;
  let loggerProcess: AppProcess;
  let admin: ApiClient;
  let adminId: string;
  let rep: User;
  let db: Client;
  /** Every token and password this file handled, to look for where they must not be. */
  const secrets: string[] = [JWT_SECRET, env.admin.password];
  /** Every error answer this file received. */
  const errorBodies: string[] = [];
  const seen = (res: ApiResponse) => {
    if (res.status >= 400) errorBodies.push(JSON.stringify(res.body));
    return res;
  };

  beforeAll(async () => {
    [apiProcess, loggerProcess] = await Promise.all([startApi({ JWT_SECRET, JWT_TTL_SECONDS: String(TTL_SECONDS), LOG_LEVEL: 'debug' }), startLogger()]);
    admin = await api(apiProcess.url);
    secrets.push(admin.token);
    adminId = expectStatus(await admin.get('/api/users/me/'), 200).id;
    rep = await createUser(admin);
    secrets.push(rep.client.token);
    db = new Client({ connectionString: env.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await Promise.all([apiProcess?.stop(), loggerProcess?.stop()]);
  });

  describe('authentication', () => {
    let operations: { method: string; path: string }[];

    beforeAll(async () => {
      const docs = await request(`${apiProcess.url}/api/docs-json`, 'GET');
      expect(docs.status).toBe(200);
      operations = Object.entries(docs.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
        Object.keys(methods)
          .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
          .map((m) => ({ method: m.toUpperCase(), path })),
      );
    });

    it('the API description lists every route of api.md (so the sweep below covers them)', () => {
      const listed = operations.map((o) => `${o.method} ${o.path.replace(/\/$/, '')}`);
      for (const resource of ['leads', 'contacts', 'opportunities', 'quotes', 'tasks']) {
        expect(listed).toEqual(
          expect.arrayContaining([`GET /api/${resource}`, `POST /api/${resource}`, `GET /api/${resource}/{id}`, `PATCH /api/${resource}/{id}`, `DELETE /api/${resource}/{id}`]),
        );
      }
      expect(listed).toEqual(
        expect.arrayContaining([
          'POST /api/users',
          'GET /api/users',
          'GET /api/users/me',
          'GET /api/users/{id}',
          'POST /api/leads/{id}/convert',
          'POST /api/leads/{id}/log_interaction',
          'POST /api/contacts/{id}/log_interaction',
          'POST /api/opportunities/{id}/log_interaction',
          'POST /api/tasks/{id}/mark_completed',
          'GET /api/interaction-logs',
          'GET /api/interaction-logs/{id}',
          'GET /api/interaction-logs/stream',
        ]),
      );
    });

    it('every route but health, metrics, the API description, the dashboard and the token route answers 401 without a token, with and without the trailing slash', async () => {
      const guarded = operations.filter((o) => !isPublic(o.method, o.path));
      expect(guarded.length).toBeGreaterThanOrEqual(30);
      for (const { method, path } of guarded) {
        const concrete = path.replace(/\{[^}]+\}/g, randomUUID()).replace(/\/$/, '');
        for (const url of [`${concrete}/`, concrete]) {
          const body = method === 'POST' || method === 'PATCH' ? { name: 'x' } : undefined;
          const res = seen(await request(`${apiProcess.url}${url}`, method, {}, body));
          if (res.status !== 401) throw new Error(`${method} ${url} without a token answered ${res.status}: ${JSON.stringify(res.body)}`);
          expectError(res, 401);
          expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        }
      }
    });

    it('and so do malformed Authorization headers', async () => {
      for (const authorization of [
        '',
        'Bearer',
        'Bearer ',
        `Basic ${b64url(`${env.admin.email}:${env.admin.password}`)}`,
        'Bearer not.a.jwt',
        `Token ${admin.token}`,
        `Bearer ${admin.token} extra`,
        `Bearer ${admin.token}x`,
      ]) {
        expectError(seen(await request(`${apiProcess.url}/api/leads/`, 'GET', { authorization })), 401);
      }
    });

    it('the public routes answer without a token', async () => {
      expect((await request(`${apiProcess.url}/health`, 'GET')).status).toBe(200);
      expect((await request(`${apiProcess.url}/metrics`, 'GET')).status).toBe(200);
      expect((await request(`${apiProcess.url}/api/docs-json`, 'GET')).status).toBe(200);
      expect((await request(`${apiProcess.url}/api/docs`, 'GET')).status).toBe(200);
      expect((await request(`${apiProcess.url}/dashboard/`, 'GET')).status).toBe(200);
      expectError(seen(await request(`${apiProcess.url}/api/auth/token/`, 'POST', {}, { email: env.admin.email, password: 'wrong password' })), 401);
    });

    it('tokens are HS256 with JWT_SECRET, expire after JWT_TTL_SECONDS; expired, tampered, foreign and alg:none tokens are refused', async () => {
      const [header, payload] = admin.token.split('.');
      expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({ alg: 'HS256' });
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      expect(claims).toMatchObject({ sub: adminId });
      expect(claims.exp - claims.iat).toBe(TTL_SECONDS);

      const me = (token: string) => request(`${apiProcess.url}/api/users/me/`, 'GET', { authorization: `Bearer ${token}` }).then(seen);
      // The control: a token made here with the secret (naming the admin's live session) is accepted, so each refusal below is for its one flaw.
      const sid = claims.sid;
      expect(sid).toMatch(/^[0-9a-f-]{36}$/);
      const valid = jwt({ sub: adminId, sid, iat: now(), exp: now() + 60 });
      expect((await me(valid)).status).toBe(200);

      const refused: Record<string, string> = {
        expired: jwt({ sub: adminId, sid, iat: now() - 120, exp: now() - 1 }),
        'no session': jwt({ sub: adminId, iat: now(), exp: now() + 60 }),
        "another user's session": jwt({ sub: rep.id, sid, iat: now(), exp: now() + 60 }),
        'signed with another secret': jwt({ sub: adminId, sid, iat: now(), exp: now() + 60 }, { secret: `${JWT_SECRET}x` }),
        "payload swapped (the rep's token made the admin's)": `${rep.client.token.split('.')[0]}.${b64url({ ...claims, sub: adminId })}.${rep.client.token.split('.')[2]}`,
        'alg none': `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: adminId, iat: now(), exp: now() + 60 })}.`,
        'alg HS512 claimed': jwt({ sub: adminId, sid, iat: now(), exp: now() + 60 }, { alg: 'HS512' }),
        'signature altered': `${admin.token.slice(0, -2)}${admin.token.endsWith('AA') ? 'BB' : 'AA'}`,
        'no such user': jwt({ sub: randomUUID(), sid, iat: now(), exp: now() + 60 }),
        'a subject that is no id': jwt({ sub: "' or 1=1 --", sid, iat: now(), exp: now() + 60 }),
        'no expiry': jwt({ sub: adminId, sid, iat: now() }),
      };
      for (const [flaw, token] of Object.entries(refused)) {
        secrets.push(token);
        const res = await me(token);
        if (res.status !== 401) throw new Error(`a token with ${flaw} answered ${res.status}: ${JSON.stringify(res.body)}`);
        expectError(res, 401);
      }
    });

    it('login is rate-limited across replicas: after 10 failures through either, even the right password is refused by both with 429 and Retry-After; other accounts are not locked out', async () => {
      // A second replica on the same database: the budget is one for both, not one each.
      const second = await startApi({ JWT_SECRET, JWT_TTL_SECONDS: String(TTL_SECONDS) });
      try {
        const replicas = [apiProcess.url, second.url];
        const victim = { email: `${uniq('victim').replace(' ', '.')}@crm.test`, password: `pw-${randomBytes(6).toString('hex')}` };
        expectStatus(await admin.post('/api/users/', { ...victim, name: 'Victim' }), 201);
        secrets.push(victim.password);
        // A forged X-Forwarded-For per guess: not believed (TRUST_PROXY is off), so no fresh budget.
        const login = (i: number, password: string) =>
          request(`${replicas[i % 2]}/api/auth/token/`, 'POST', { 'x-forwarded-for': `203.0.113.${i}` }, { email: victim.email, password }).then(seen);
        let failures = 0;
        let limited: ApiResponse | undefined;
        for (let i = 0; i < 30 && !limited; i += 1) {
          const res = await login(i, `guess-${i}`);
          if (res.status === 429) limited = res;
          else {
            expectError(res, 401);
            failures += 1;
          }
        }
        if (!limited) throw new Error('30 wrong passwords in a row and never a 429');
        expect(failures).toBe(10); // per replica it would have been 20
        expectError(limited, 429);
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

        for (const url of replicas) expectError(seen(await request(`${url}/api/auth/token/`, 'POST', {}, victim)), 429);
        // Another account from the same address still signs in.
        expect((await api(second.url)).token).toEqual(expect.any(String));
      } finally {
        await second.stop();
      }
    });
  });

  describe('behind a reverse proxy (TRUST_PROXY)', () => {
    it('believes X-Forwarded-For only when told to (the client address for the login limit); next links come from PUBLIC_URL, never from X-Forwarded-Host', async () => {
      const proxied = await startApi({ JWT_SECRET, JWT_TTL_SECONDS: String(TTL_SECONDS), TRUST_PROXY: '127.0.0.1', PUBLIC_URL: 'https://crm.example.com' });
      try {
        const forwarded = { 'x-forwarded-proto': 'http', 'x-forwarded-host': 'forged.example.net' };
        const page = (url: string) => request(`${url}/api/leads/?limit=1`, 'GET', { authorization: `Bearer ${admin.token}`, ...forwarded });
        await create(admin, 'leads', { name: uniq('Proxy Lead') });
        await create(admin, 'leads', { name: uniq('Proxy Lead') });
        expect((await page(proxied.url)).body.next).toMatch(/^https:\/\/crm\.example\.com\/api\/leads\/\?/);
        expect((await page(apiProcess.url)).body.next).toMatch(/^\/api\/leads\/\?/);

        // Each forwarded client has its own budget: one locked out, another still signs in.
        const victim = { email: `${uniq('proxied').replace(' ', '.')}@crm.test`, password: `pw-${randomBytes(6).toString('hex')}` };
        expectStatus(await admin.post('/api/users/', { ...victim, name: 'Proxied' }), 201);
        secrets.push(victim.password);
        const login = (client: string, password: string) =>
          request(`${proxied.url}/api/auth/token/`, 'POST', { 'x-forwarded-for': client }, { email: victim.email, password }).then(seen);
        for (let i = 0; i < 10; i += 1) expectError(await login('198.51.100.7', `guess-${i}`), 401);
        expectError(await login('198.51.100.7', victim.password), 429);
        expect((await login('198.51.100.8', victim.password)).status).toBe(200);
      } finally {
        await proxied.stop();
      }
    });
  });

  describe('authorisation', () => {
    it('only an admin creates users: a sales rep gets 403 and no user appears', async () => {
      const email = `${uniq('intruder').replace(' ', '.')}@crm.test`;
      for (const role of ['sales_rep', 'admin']) {
        expectError(seen(await rep.client.post('/api/users/', { email, password: 'long enough', name: 'Intruder', role })), 403);
      }
      // Refused before the body is looked at: an invalid body is a 403 too, not a 400.
      expectError(seen(await rep.client.post('/api/users/', { nonsense: true })), 403);
      const { rows } = await db.query('select 1 from crm.users where email = $1', [email]);
      expect(rows).toEqual([]);
      expectError(seen(await request(`${apiProcess.url}/api/auth/token/`, 'POST', {}, { email, password: 'long enough' })), 401);
      // The rep is not locked out of what reps may do.
      expect((await rep.client.get('/api/users/me/')).body).toMatchObject({ id: rep.id, role: 'sales_rep' });
    });

    it("a manual log is always the caller's: a user field (or any alias) is refused, without it the log is the caller's", async () => {
      // The rep's own lead: a rep logs only on records they own (auth/policy.ts).
      const lead = await create(admin, 'leads', { name: uniq('Attribution Lead'), assigned_to: rep.id });
      const outboxRows = async () => (await db.query(`select payload from crm.outbox where type = 'interaction.logged' and payload->>'subject' = $1`, [lead.id])).rows;
      for (const field of ['user', 'user_id', 'actor', 'created_by', 'source']) {
        const res = seen(await rep.client.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'call', summary: 'claimed as the admin', [field]: adminId }));
        expectError(res, 400);
        expect(JSON.stringify(res.body.message)).toContain(`${field}: unknown field`);
      }
      expect(await outboxRows()).toEqual([]);

      const summary = `Called about the renewal (${uniq('mine')})`;
      const res = await rep.client.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'call', summary }, { prefer: 'wait=10' });
      expect([201, 202]).toContain(res.status);
      expect(res.body).toMatchObject({ user: rep.id, summary });
      const rows = await outboxRows();
      expect(rows.map((r) => r.payload.data.actor.id)).toEqual([rep.id]);
      const log = await eventually(async () => expectStatus(await admin.get(`/api/interaction-logs/${res.body.id}/`), 200));
      expect(log).toMatchObject({ id: res.body.id, user: rep.id, source: 'manual', lead: lead.id, summary });
    });
  });

  describe('secrets at rest and in transit', () => {
    it('passwords are stored as salted scrypt hashes, never in clear, never answered', async () => {
      const password = `same-${randomBytes(6).toString('hex')}`;
      const made = [];
      for (const name of [uniq('Twin A'), uniq('Twin B')]) {
        const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}@crm.test`;
        const res = expectStatus(await admin.post('/api/users/', { email, password, name, role: 'sales_rep' }), 201);
        expect(JSON.stringify(res)).not.toContain(password);
        expect(Object.keys(res)).not.toEqual(expect.arrayContaining([expect.stringMatching(/password|hash/i)]));
        made.push(res.id);
      }
      secrets.push(password);
      const { rows } = await db.query('select * from crm.users where id = any($1::uuid[])', [made]);
      expect(rows).toHaveLength(2);
      for (const row of rows) {
        expect(JSON.stringify(row)).not.toContain(password);
        const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(row.password_hash);
        if (!m) throw new Error(`not an scrypt hash: ${row.password_hash}`);
        const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
        expect(N).toBeGreaterThanOrEqual(16384); // a slow KDF, not a fast hash
        // It really is scrypt of this password with this salt.
        const expected = Buffer.from(m[5], 'base64');
        const derived = await new Promise<Buffer>((resolve, reject) =>
          scrypt(password.normalize('NFKC'), Buffer.from(m[4], 'base64'), expected.length, { N, r, p, maxmem: 256 * 1024 * 1024 }, (e, k) => (e ? reject(e) : resolve(k))),
        );
        expect(derived.equals(expected)).toBe(true);
      }
      expect(rows[0].password_hash).not.toBe(rows[1].password_hash); // salted
      // And every user of the database, the seeded admin included.
      const all = await db.query('select email, password_hash from crm.users');
      for (const row of all.rows) expect(row.password_hash).toMatch(/^scrypt\$/);
      const list = expectStatus(await admin.get('/api/users/?limit=100'), 200);
      expect(JSON.stringify(list)).not.toMatch(/password|scrypt/i);
    });

    it('crm-api refuses to start in production on the development admin password or JWT secret, naming the variable and not its value', async () => {
      const base: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', PORT: '0', DATABASE_URL: env.databaseUrl, AMQP_URL: env.amqpUrl };
      delete base.ADMIN_PASSWORD;
      delete base.JWT_SECRET;

      const defaults = await runApiToExit(base);
      expect(defaults.code).not.toBe(0);
      expect(defaults.output).toMatch(/ADMIN_PASSWORD/);
      expect(defaults.output).toMatch(/JWT_SECRET/);
      expect(defaults.output).not.toMatch(/"msg":"listening"/);

      const weakSecret = 'short-but-secret-value';
      const weak = await runApiToExit({ ...base, ADMIN_PASSWORD: 'a-real-password-123', JWT_SECRET: weakSecret });
      expect(weak.code).not.toBe(0);
      expect(weak.output).toMatch(/JWT_SECRET/);
      expect(weak.output).not.toMatch(/ADMIN_PASSWORD/);
      expect(weak.output).not.toContain(weakSecret);
      expect(weak.output).not.toContain('a-real-password-123');

      const defaultPassword = await runApiToExit({ ...base, ADMIN_PASSWORD: 'admin', JWT_SECRET });
      expect(defaultPassword.code).not.toBe(0);
      expect(defaultPassword.output).toMatch(/ADMIN_PASSWORD/);
      expect(defaultPassword.output).not.toContain(JWT_SECRET);

      // The control: production with real values starts.
      const prod = await startApi({ NODE_ENV: 'production', ADMIN_PASSWORD: 'a-real-password-123', JWT_SECRET });
      let printed: string;
      try {
        expect((await request(`${prod.url}/health`, 'GET')).status).toBe(200);
      } finally {
        printed = await prod.wholeLog(); // all of it, once it has exited
      }
      expect(printed).toMatch(/"msg":"listening"/);
      expect(printed).not.toContain(JWT_SECRET);
    });

    it('security headers are set on every kind of answer', async () => {
      const answers = [
        await request(`${apiProcess.url}/api/users/me/`, 'GET', { authorization: `Bearer ${admin.token}` }),
        await request(`${apiProcess.url}/api/leads/`, 'GET'),
        await request(`${apiProcess.url}/api/leads/not-an-id/`, 'GET', { authorization: `Bearer ${admin.token}` }),
        await request(`${apiProcess.url}/api/nowhere/`, 'GET', { authorization: `Bearer ${admin.token}` }),
        await request(`${apiProcess.url}/health`, 'GET'),
      ];
      expect(answers.map((a) => a.status)).toEqual([200, 401, 400, 404, 200]);
      for (const res of answers) {
        const h = (name: string) => res.headers.get(name);
        expect(h('x-content-type-options')).toBe('nosniff');
        expect(h('x-frame-options')).toMatch(/^(DENY|SAMEORIGIN)$/);
        expect(h('content-security-policy')).toContain("default-src 'self'");
        expect(h('content-security-policy')).toContain("object-src 'none'");
        expect(h('strict-transport-security')).toMatch(/max-age=\d+/);
        expect(h('referrer-policy')).toBe('no-referrer');
        expect(h('cross-origin-resource-policy')).toBe('same-origin');
        expect(h('x-powered-by')).toBeNull();
      }
    });

    it('no secret in what crm-api and the logger printed, nor in any error answer', async () => {
      // Failures that a careless logger would print with their input.
      seen(await request(`${apiProcess.url}/api/auth/token/`, 'POST', {}, { email: env.admin.email, password: `${env.admin.password}!` }));
      seen(await request(`${apiProcess.url}/api/auth/token/`, 'POST', {}, { email: env.admin.email, password: 12 }));
      seen(await admin.post('/api/users/', { email: `${uniq('s').replace(' ', '.')}@crm.test`, password: 'short', name: 'Too Short' }));
      seen(await admin.post('/api/users/', { email: env.admin.email, password: env.admin.password, name: 'Duplicate' }));
      seen(await request(`${apiProcess.url}/api/leads/`, 'GET', { authorization: `Bearer ${admin.token.split('.').reverse().join('.')}` }));
      secrets.push(`${env.admin.password}!`, admin.token.split('.').reverse().join('.'));

      // Read whole once both have exited (the last test of this block: it stops them), not
      // right after the last request, when the lines it caused may not be written yet.
      const printed = {
        'crm-api': await apiProcess.wholeLog(),
        'activity-logger': await loggerProcess.wholeLog(),
      };
      expect(printed['crm-api']).toMatch(/"level":"debug"|"msg":"listening"/); // it did print
      for (const [name, text] of Object.entries(printed)) {
        for (const secret of secrets) {
          if (text.includes(secret)) throw new Error(`${name} printed a secret (${secret.slice(0, 6)}…) in ${name === 'crm-api' ? apiProcess.logFile : loggerProcess.logFile}`);
        }
        // Credentials inside connection URLs.
        expect(text).not.toMatch(/amqps?:\/\/[^\s"/@]+:[^\s"/@]+@/);
      }
      expect(errorBodies.length).toBeGreaterThan(20);
      for (const body of errorBodies) {
        for (const secret of secrets) expect(body).not.toContain(secret);
        expect(body).not.toMatch(/"stack"|\bat \S+ \(\/|node_modules/);
      }
    });
  });
});
