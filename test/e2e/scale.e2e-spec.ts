import { Client } from 'pg';
import { api, ApiClient, AppProcess, create, eventually, IsolatedStack, isolatedStack, readMetric, startApi, startLogger, uniq, update } from '../utils';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(240_000);

const LEADS = 200;
/** Requests in flight at once, over both APIs. */
const CONCURRENCY = 8;

/** Runs `work` over `items`, at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/** A counter's value on an app's /metrics (0 when absent). */
const counter = (app: AppProcess, name: string): Promise<number> => readMetric(app.url, name);

/**
 * Any number of each service at once: two crm-api (two outbox relays claiming with SKIP
 * LOCKED) and two activity-loggers (competing consumers) on one database and one vhost of
 * this file's own, so every row counted here comes from this test. Every change made
 * through either API must end as exactly one log: none missing, none twice.
 */
describe('scale: two crm-api and two activity-logger processes on one database and broker', () => {
  let stack: IsolatedStack;
  let db: Client;
  let apis: AppProcess[] = [];
  let loggers: AppProcess[] = [];

  beforeAll(async () => {
    stack = await isolatedStack();
    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    // A small prefetch and batch, so the broker spreads the messages over both loggers
    // rather than handing one of them the whole stream.
    const loggerEnv = { ...stack.env, LOGGER_PREFETCH: '20', LOGGER_BATCH_SIZE: '20' };
    [apis, loggers] = await Promise.all([Promise.all([startApi(stack.env), startApi(stack.env)]), Promise.all([startLogger(loggerEnv), startLogger(loggerEnv)])]);
  });

  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await Promise.all([...apis, ...loggers].map((p) => p.stop()));
    await stack?.destroy();
  });

  it(`logs each of ${LEADS} leads created and their status changes exactly once`, async () => {
    const clients: ApiClient[] = await Promise.all(apis.map((p) => api(p.url)));
    const names = Array.from({ length: LEADS }, (_, i) => uniq(`Scale Lead ${i}`));
    const leads: { id: string; name: string }[] = new Array(LEADS);
    // Created through one API, changed through the other, both APIs busy at once.
    await pool(names, CONCURRENCY, async (name, i) => {
      const lead = await create(clients[i % 2], 'leads', { name });
      await update(clients[(i + 1) % 2], 'leads', lead.id, { status: 'contacted' });
      leads[i] = { id: lead.id, name };
    });
    const ids = leads.map((l) => l.id);

    // Every event the APIs committed: two per lead.
    const { rows: outbox } = await db.query<{ id: string; type: string }>('select id, type from crm.outbox');
    expect(outbox.length).toBe(2 * LEADS);

    await eventually(
      async () => {
        const { rows } = await db.query('select count(*)::int as n from activity.interaction_log where lead_id = any($1::uuid[])', [ids]);
        expect(rows[0].n).toBe(2 * LEADS);
      },
      { timeout: 90_000, interval: 250 },
    );

    // Each event is exactly one log, under its own id; no log without an event.
    const { rows: missing } = await db.query('select o.id from crm.outbox o left join activity.interaction_log l on l.id = o.id where l.id is null');
    expect(missing).toEqual([]);
    const { rows: orphans } = await db.query('select l.id from activity.interaction_log l left join crm.outbox o on o.id = l.id where o.id is null');
    expect(orphans).toEqual([]);
    // Per lead: one log of each event, with the right text.
    const { rows: perLead } = await db.query<{ lead_id: string; event_type: string; n: number; summary: string }>(
      `select lead_id, event_type, count(*)::int as n, min(summary) as summary from activity.interaction_log
        where lead_id = any($1::uuid[]) group by 1, 2`,
      [ids],
    );
    expect(perLead.length).toBe(2 * LEADS);
    expect(perLead.filter((r) => r.n !== 1)).toEqual([]);
    const summaries = new Map(perLead.map((r) => [`${r.lead_id} ${r.event_type}`, r.summary]));
    for (const { id, name } of leads) {
      expect(summaries.get(`${id} lead.created`)).toBe(`New lead created: ${name}`);
      expect(summaries.get(`${id} lead.status_changed`)).toBe(`Lead ${name} contacted for the first time`);
    }

    // The loggers inserted each row once between them, and both took part; the relays
    // between them had every event confirmed by the broker.
    // Polled: a logger counts its rows when its commit returns, a moment after they are readable.
    const [written, consumed, published] = await eventually(async () => {
      const counts = await Promise.all([
        Promise.all(loggers.map((l) => counter(l, 'activity_logger_logs_written_total'))),
        Promise.all(loggers.map((l) => counter(l, 'activity_logger_messages_consumed_total'))),
        Promise.all(apis.map((a) => counter(a, 'crm_api_events_published_total'))),
      ]);
      expect(counts[0][0] + counts[0][1]).toBeGreaterThanOrEqual(2 * LEADS);
      return counts;
    });
    process.stderr.write(`[scale] logs written per logger ${written.join(' + ')}, consumed ${consumed.join(' + ')}; events published per API ${published.join(' + ')}\n`);
    expect(written[0] + written[1]).toBe(2 * LEADS);
    expect(consumed.every((n) => n > 0)).toBe(true);
    expect(published[0] + published[1]).toBeGreaterThanOrEqual(2 * LEADS);
    const { rows: unsent } = await db.query('select count(*)::int as n from crm.outbox where sent_at is null');
    expect(unsent[0].n).toBe(0);
  });
});
