import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { api, ApiClient, AppProcess, createProxy, eventually, startApi, startLogger, testEnv, uniq } from '../utils';

jest.setTimeout(240_000);

/** One create of the load: its key and name, and what it got (null: no answer). */
interface Sent {
  key: string;
  name: string;
  status: number | null;
  /** Sent through the line whose answers get held. */
  held: boolean;
}

async function post(client: ApiClient, { key, name }: Sent): Promise<{ status: number; replayed: boolean; id?: string }> {
  const res = await fetch(new URL('/api/leads/', client.baseUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ name }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { id?: string };
  return { status: res.status, replayed: res.headers.get('idempotent-replayed') === 'true', id: body.id };
}

/**
 * The promise Idempotency-Key makes to a client that lost its connection: crm-api is
 * SIGKILLed under a write load (some requests committed and not yet answered, some not
 * yet committed), and every request without an answer is retried with its key against a
 * fresh process. Each key ends as exactly one lead and one log.
 */
describe('crm-api killed between commit and answer: retries with the key write once', () => {
  let logger: AppProcess;
  let again: AppProcess | undefined;
  let db: Client;

  beforeAll(async () => {
    logger = await startLogger();
    db = new Client({ connectionString: testEnv().databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await Promise.all([logger?.stop(), again?.stop()]);
  });

  it('SIGKILL mid-load, retry every unanswered request: one lead and one log per key', async () => {
    const victim = await startApi();
    const direct = await api(victim.url);
    // Half the load comes through a line whose answers can be held: those requests are
    // committed and unanswered when the process dies, deterministically. The other half
    // is cut wherever it is (received, mid-transaction, or not yet sent).
    const line = await createProxy('127.0.0.1', victim.port);
    const proxied = new ApiClient(`http://127.0.0.1:${line.port}`, direct.token);
    const prefix = uniq('Crash Idem');
    const sent: Sent[] = [];
    let stopped = false;
    const worker = async (client: ApiClient) => {
      while (!stopped) {
        const request: Sent = { key: randomUUID(), name: `${prefix} ${sent.length}`, status: null, held: client === proxied };
        sent.push(request);
        try {
          request.status = (await post(client, request)).status;
        } catch {
          // No answer: the connection died (or was refused) with the process.
          return;
        }
      }
    };
    const workers = Array.from({ length: 24 }, (_, i) => worker(i % 2 ? proxied : direct));
    await eventually(() => expect(sent.filter((s) => s.status === 201).length).toBeGreaterThanOrEqual(150), { timeout: 60_000 });
    line.stallReplies();
    // Committed, answered, and the answers held on the line (they can no longer arrive).
    await eventually(async () => {
      const unanswered = sent.filter((s) => s.held && s.status === null).map((s) => s.name);
      const { rows } = await db.query<{ n: number }>('select count(*)::int as n from crm.leads where name = any($1::text[])', [unanswered]);
      expect(rows[0].n).toBeGreaterThanOrEqual(6);
    });
    victim.kill('SIGKILL');
    stopped = true;
    expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
    line.cut();
    await Promise.all(workers);
    await line.close();
    expect(sent.filter((s) => s.status !== null && s.status !== 201)).toEqual([]);

    again = await startApi();
    const retried = new ApiClient(again.url, direct.token);
    const unanswered = sent.filter((s) => s.status === null);
    expect(unanswered.length).toBeGreaterThan(0);
    const outcomes = await Promise.all(unanswered.map((s) => post(retried, s)));
    expect(outcomes.map((o) => o.status)).toEqual(unanswered.map(() => 201));
    const replayed = outcomes.filter((o) => o.replayed).length;
    // The held answers are replayed; how many of the rest had committed is up to timing.
    expect(replayed).toBeGreaterThanOrEqual(6);
    console.log(`idempotency crash: ${sent.length} sent, ${unanswered.length} unanswered; on retry ${replayed} replayed, ${unanswered.length - replayed} created fresh`);

    const names = sent.map((s) => s.name);
    const { rows } = await db.query<{ name: string; n: number }>('select name, count(*)::int as n from crm.leads where name = any($1::text[]) group by name', [names]);
    const perName = new Map(rows.map((r) => [r.name, r.n]));
    expect(names.filter((n) => perName.get(n) !== 1)).toEqual([]);
    // Each retry's answer names the lead that exists (replayed or new).
    const ids = (await db.query<{ id: string }>('select id from crm.leads where name = any($1::text[])', [unanswered.map((s) => s.name)])).rows.map((r) => r.id).sort();
    expect(outcomes.map((o) => o.id).sort()).toEqual(ids);

    // Every lead's creation logged exactly once, once the logger has caught up.
    await eventually(
      async () => {
        const logs = await db.query<{ leads: number; logged_once: number; logs: number }>(
          `select count(*)::int as leads, count(*) filter (where n = 1)::int as logged_once, coalesce(sum(n), 0)::int as logs
           from (select l.id, (select count(*) from activity.interaction_log g where g.lead_id = l.id) as n
                 from crm.leads l where l.name = any($1::text[])) per_lead`,
          [names],
        );
        expect(logs.rows[0]).toEqual({ leads: names.length, logged_once: names.length, logs: names.length });
      },
      { timeout: 120_000, interval: 500 },
    );
  });
});
