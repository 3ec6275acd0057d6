import { randomBytes, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { api, ApiClient, AppProcess, create, createUser, expectStatus, logsEventually, startApi, startLogger, uniq, User } from '../utils';

jest.setTimeout(180_000);

/**
 * Issue 10, point 6 (the smaller findings): traversal, Host in links, text that changes
 * how it is shown, a client correlation id joining another user's action, /metrics open
 * to anyone.
 */

/** One request exactly as written (no URL normalisation, any Host): status, headers and body text. */
function rawRequest(port: number, head: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    socket.on('data', (d) => (received += d.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0), text: received }));
    socket.write(`${head}Connection: close\r\n\r\n`);
  });
}

/** An address of this machine that is not loopback, to call from "elsewhere". */
const outside = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && !i.internal && i.family === 'IPv4')?.address;

describe('hardening', () => {
  let app: AppProcess;
  let logger: AppProcess;
  let admin: ApiClient;
  let rep: User;

  beforeAll(async () => {
    [app, logger] = await Promise.all([startApi(), startLogger()]);
    admin = await api(app.url);
    rep = await createUser(admin);
  });

  afterAll(async () => {
    await Promise.all([app?.stop(), logger?.stop()]);
  });

  it('a path with .. (sent as is, or percent-encoded) answers 404, and nothing is logged as an error', async () => {
    for (const path of ['/api/docs/../x', '/api/docs/../../../../etc/passwd', '/api/docs/%2e%2e/x', '/api/docs/..%2f..%2fpackage.json', '/api/leads/../users/']) {
      const res = await rawRequest(app.port, `GET ${path} HTTP/1.1\r\nHost: crm\r\n`);
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(res.text).toMatch(/"status":404/);
    }
    // The docs themselves still load.
    expect((await rawRequest(app.port, 'GET /api/docs/ HTTP/1.1\r\nHost: crm\r\n')).status).toBe(200);
    expect(app.output()).not.toMatch(/"level":"error"/);
    expect(app.output()).not.toMatch(/"stack"/);
  });

  it('next links never carry the Host (or X-Forwarded-Host) a client sent: relative without PUBLIC_URL', async () => {
    await create(admin, 'leads', { name: uniq('Host Lead') });
    await create(admin, 'leads', { name: uniq('Host Lead') });
    const res = await rawRequest(app.port, `GET /api/leads/?limit=1 HTTP/1.1\r\nHost: evil.example\r\nX-Forwarded-Host: evil2.example\r\nAuthorization: Bearer ${admin.token}\r\n`);
    expect(res.status).toBe(200);
    const next = JSON.parse(res.text.slice(res.text.indexOf('\r\n\r\n') + 4)).next as string;
    expect(next).toMatch(/^\/api\/leads\/\?limit=1&cursor=/);
    expect(res.text).not.toMatch(/evil/);
    // A relative next still works as the client's next request.
    expect((await admin.get(next)).status).toBe(200);
  });

  it('names with a line break, ANSI escapes or bidi overrides are refused with 400 naming the field, and nothing is stored', async () => {
    const hostile = ['Bob\nLead converted: fake', 'Bob\u001b[2J\u001b[31mred', 'Bob\u202Etxt.exe', 'Bob\u2028X', 'Bob\u0085X'];
    const lead = await create(admin, 'leads', { name: uniq('Clean Lead') });
    for (const name of hostile) {
      for (const [what, res] of [
        ['POST lead', await admin.post('/api/leads/', { name })],
        ['PATCH lead', await admin.patch(`/api/leads/${lead.id}/`, { name })],
        ['POST lead company', await admin.post('/api/leads/', { name: 'ok', company: name })],
        ['POST contact', await admin.post('/api/contacts/', { name })],
        ['POST user', await admin.post('/api/users/', { email: `${randomBytes(4).toString('hex')}@crm.test`, password: 'long enough pw', name, role: 'sales_rep' })],
      ] as const) {
        expect({ what, name, status: res.status }).toEqual({ what, name, status: 400 });
        expect(JSON.stringify(res.body.message)).toMatch(
          what === 'POST lead company' ? /company: must not contain control characters/ : /name: must not contain control characters/,
        );
      }
    }
    // A log's summary is a long text: line breaks are fine, escapes and overrides are not.
    const summary = uniq('Call notes');
    expect((await admin.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'call', summary: `${summary}\nsecond line` })).status).toBeLessThan(300);
    const refused = await admin.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'call', summary: 'x\u001b[31m' });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body.message)).toMatch(/summary: must not contain control characters/);
    expect(expectStatus(await admin.get(`/api/leads/${lead.id}/`), 200).name).toMatch(/^Clean Lead/);
  });

  it("a client's X-Correlation-Id only ever groups the caller's own actions", async () => {
    const shared = randomUUID();
    const company = uniq('Corr Co');
    const mine = await create(admin, 'leads', { name: uniq('Corr Lead'), company });
    // The rep reuses the admin's correlation id (seen in a response, a log, a link...).
    const theirs = expectStatus(await rep.client.post('/api/leads/', { name: uniq('Forged Lead'), company }, { 'x-correlation-id': shared }), 201);
    const alsoMine = expectStatus(await admin.post('/api/leads/', { name: uniq('Corr Lead 2'), company }, { 'x-correlation-id': shared }), 201);
    for (const id of [mine.id, theirs.id, alsoMine.id]) await logsEventually(admin, { lead: id }, 1);

    const grouped = expectStatus(await admin.get(`/api/interaction-logs/?correlation_id=${shared}&group=correlation`), 200);
    expect(grouped.results).toHaveLength(2);
    type Group = { correlation_id: string; logs: { data: { actor: { id: string } }; lead: string }[] };
    for (const group of grouped.results as Group[]) {
      expect(group.correlation_id).toBe(shared);
      expect(new Set(group.logs.map((l) => l.data.actor.id)).size).toBe(1);
    }
    const byUser = Object.fromEntries((grouped.results as Group[]).map((g) => [g.logs[0].data.actor.id, g.logs.map((l) => l.lead)]));
    expect(byUser[rep.id]).toEqual([theirs.id]);
    expect(Object.values(byUser).flat().sort()).toEqual([theirs.id, alsoMine.id].sort());
  });

  it('a backdated manual log keeps when it was recorded beside its timestamp, in the answer, the feed and the stream of logs', async () => {
    const lead = await create(admin, 'leads', { name: uniq('Backdated Lead') });
    const before = Date.now();
    const posted = await admin.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'call', summary: uniq('Called in 1970'), timestamp: '1970-01-01T00:00:00Z' });
    expect(posted.status).toBeLessThan(300);
    expect(posted.body.timestamp).toBe('1970-01-01T00:00:00.000Z');
    expect(Date.parse(posted.body.recorded_at)).toBeGreaterThanOrEqual(before - 1000);
    const [log] = await logsEventually(admin, { lead: lead.id, source: 'manual' }, 1);
    expect(log).toMatchObject({ id: posted.body.id, timestamp: '1970-01-01T00:00:00.000Z', recorded_at: posted.body.recorded_at });
    expect(expectStatus(await admin.get(`/api/interaction-logs/${log.id}/`), 200).recorded_at).toBe(posted.body.recorded_at);
    // An automatic log is recorded when it happened.
    const [created] = await logsEventually(admin, { lead: lead.id, source: 'auto' }, 1);
    expect((created as unknown as { recorded_at: string }).recorded_at).toBe(created.timestamp);
  });

  describe('/metrics', () => {
    it('answers on loopback, and nowhere else, without METRICS_TOKEN (both apps)', async () => {
      for (const p of [app, logger]) {
        expect((await fetch(`${p.url}/metrics`)).status).toBe(200);
        if (!outside) continue; // no other interface on this machine to call from
        const res = await fetch(`http://${outside}:${p.port}/metrics`);
        expect({ app: p.name, status: res.status }).toEqual({ app: p.name, status: 403 });
      }
    });

    it('with METRICS_TOKEN, wants the bearer token from everyone, loopback included (both apps)', async () => {
      const METRICS_TOKEN = `metrics-${randomBytes(12).toString('hex')}`;
      const [api2, logger2] = await Promise.all([startApi({ METRICS_TOKEN }), startLogger({ METRICS_TOKEN })]);
      try {
        for (const p of [api2, logger2]) {
          for (const host of ['127.0.0.1', ...(outside ? [outside] : [])]) {
            const url = `http://${host}:${p.port}/metrics`;
            expect({ url, status: (await fetch(url)).status }).toEqual({ url, status: 401 });
            expect({ url, status: (await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status }).toEqual({ url, status: 401 });
            const ok = await fetch(url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
            expect({ url, status: ok.status }).toEqual({ url, status: 200 });
            expect(await ok.text()).toMatch(/^# HELP /m);
          }
        }
      } finally {
        await Promise.all([api2.stop(), logger2.stop()]);
      }
    });
  });
});
