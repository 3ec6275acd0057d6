// Who may do what: the proxy's forwarded client, admin-only routes, a manual log's author; then nothing leaked (security.shared.ts has the suite's setup and checks).
// The describe keeps the original file's name, so every test keeps its full name.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ApiClient, AppProcess, create, eventually, expectStatus, startApi, uniq, User } from '../utils';
import { expectError, JWT_SECRET, request, securitySuite, TTL_SECONDS } from './security.shared';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(120_000);

describe('security', () => {
  const suite = securitySuite({ leakCheckAfterAll: true });
  const { secrets, seen } = suite;
  let apiProcess: AppProcess;
  let admin: ApiClient;
  let adminId: string;
  let rep: User;
  let db: Client;
  beforeAll(() => ({ apiProcess, admin, adminId, rep, db } = suite));

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
});
