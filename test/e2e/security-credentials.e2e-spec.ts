// Authentication (tokens, login limits) and secrets at rest, in transit and in what is printed (security.shared.ts has the suite's setup and checks).
// The describe keeps the original file's name, so every test keeps its full name.
import { randomBytes, randomUUID, scrypt } from 'node:crypto';
import { Client } from 'pg';
import { api, ApiClient, ApiResponse, AppProcess, expectStatus, runApiToExit, startApi, uniq, User } from '../utils';
import { b64url, expectError, expectNothingLeaked, isPublic, JWT_SECRET, jwt, now, request, securitySuite, TTL_SECONDS } from './security.shared';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(120_000);

describe('security', () => {
  const suite = securitySuite();
  const { env, secrets, errorBodies, seen } = suite;
  let apiProcess: AppProcess;
  let loggerProcess: AppProcess;
  let admin: ApiClient;
  let adminId: string;
  let rep: User;
  let db: Client;
  beforeAll(() => ({ apiProcess, loggerProcess, admin, adminId, rep, db } = suite));

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
        // Refused before its body is read (common/early-auth.ts), by an earlier hook.
        await request(`${apiProcess.url}/api/leads/`, 'POST', {}, { name: 'no token' }),
      ];
      expect(answers.map((a) => a.status)).toEqual([200, 401, 400, 404, 200, 401]);
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
      expectNothingLeaked(printed, { 'crm-api': apiProcess.logFile, 'activity-logger': loggerProcess.logFile }, secrets, errorBodies);
      expect(errorBodies.length).toBeGreaterThan(20);
    });
  });
});
