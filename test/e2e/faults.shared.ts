// The faults suites' shared part (faults-*.e2e-spec.ts): the processes a test starts and stops, and the
// counting helpers. faultsSuite() registers the hooks of the describe it is called in: each file gets
// its own database and vhost (jest runs files in parallel), so "the" logger is the only consumer.
import { randomUUID } from 'node:crypto';
import { connect as amqpConnect } from 'amqplib';
import { Client } from 'pg';
import { buildEvent } from '@app/contracts';
import { rabbitmqctl } from '../support/resources';
import { amqpCapture, api, ApiClient, AppProcess, createProxy, expectStatus, IsolatedStack, isolatedStack, startApi, startLogger, uniq } from '../utils';

/**
 * Fault injection: every change reaches the feed exactly once whatever fails. Each test
 * starts the processes it needs on this file's own database and vhost (so "the" logger
 * is the only consumer), breaks something, and then counts by event id: in crm.outbox,
 * on the wire (a capture queue bound beside the logger's), in activity.interaction_log
 * and through the feed.
 */
export function faultsSuite() {
  let stack: IsolatedStack;
  let db: Client;
  let actor: { id: string };
  /** What a test started; stopped after each test whatever happened. */
  let running: AppProcess[] = [];
  const closers: (() => Promise<unknown>)[] = [];

  const apiServer = async (env: NodeJS.ProcessEnv = {}) => {
    const p = await startApi({ ...stack.env, ...env });
    running.push(p);
    return p;
  };
  const logger = async (env: NodeJS.ProcessEnv = {}) => {
    const p = await startLogger({ ...stack.env, ...env });
    running.push(p);
    return p;
  };
  const capture = async (amqpUrl = stack.amqpUrl) => {
    const c = await amqpCapture(amqpUrl);
    closers.push(() => c.close());
    return c;
  };
  const proxyTo = async (url: string) => {
    const u = new URL(url);
    const p = await createProxy(u.hostname, Number(u.port || 5672));
    closers.push(() => p.close());
    return p;
  };

  beforeAll(async () => {
    stack = await isolatedStack();
    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    // The admin, seeded by a first start: the author of the backlogs below.
    const first = await apiServer();
    actor = expectStatus(await (await api(first.url)).get('/api/users/me/'), 200);
    await first.stop();
    running = [];
  });

  afterEach(async () => {
    await Promise.all(running.map((p) => p.stop(5_000)));
    for (const close of closers.reverse()) await close().catch(() => undefined);
    running = [];
    closers.length = 0;
    // A test that failed half-way may leave events pending: the next one starts from none.
    await db.query('update crm.outbox set sent_at = now() where sent_at is null');
    if ((await rabbitmqctl(['list_queues', '-p', stack.name, 'name'])).split('\n').some((l) => l.trim() === 'activity-logger'))
      await rabbitmqctl(['purge_queue', '-p', stack.name, 'activity-logger']);
  });

  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await stack?.destroy();
  });

  // ---- counting -------------------------------------------------------------------

  const count = async (sql: string, params: unknown[]) => Number((await db.query(sql, params)).rows[0].n);
  /** Logs written for these event ids (the id is the log's primary key). */
  const loggedCount = (ids: string[]) => count('select count(*) as n from activity.interaction_log where id = any($1::uuid[])', [ids]);
  const unsentCount = (ids: string[]) => count('select count(*) as n from crm.outbox where id = any($1::uuid[]) and sent_at is null', [ids]);
  const queueDepth = async (vhost = stack.name, queue = 'activity-logger'): Promise<number> => {
    const out = await rabbitmqctl(['list_queues', '-p', vhost, 'name', 'messages']);
    const row = out
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .find(([name]) => name === queue);
    if (!row) throw new Error(`no queue ${queue} in ${vhost}: ${out}`);
    return Number(row[1]); // ready + delivered-and-unacked
  };
  /**
   * Messages ready in the logger's queue, asked of the queue itself (a passive declare):
   * rabbitmqctl's count of a quorum queue can lag behind by seconds.
   */
  const readyCount = async (): Promise<number> => {
    const connection = await amqpConnect(stack.amqpUrl);
    try {
      return (await (await connection.createChannel()).checkQueue('activity-logger')).messageCount;
    } finally {
      await connection.close().catch(() => undefined);
    }
  };
  /** The outbox ids of everything these records emitted (their events name them as subject). */
  const eventsOf = async (recordIds: string[]) =>
    (await db.query<{ id: string }>(`select id from crm.outbox where payload->>'subject' = any($1::text[]) order by created_at`, [recordIds])).rows.map((r) => r.id);

  /** Every page of the feed for a query, following `next`; the ids, in order. */
  async function feedIds(client: ApiClient, query: Record<string, string>): Promise<string[]> {
    const ids: string[] = [];
    let url: string | null = `/api/interaction-logs/?${new URLSearchParams({ limit: '100', ...query })}`;
    while (url) {
      const page: { results: { id: string }[]; next: string | null } = expectStatus(await client.get(url), 200, `GET ${url}`);
      ids.push(...page.results.map((l) => l.id));
      url = page.next;
    }
    return ids;
  }
  /** Exactly these ids in the feed, each once. */
  const expectFeedExactly = async (client: ApiClient, query: Record<string, string>, expected: string[]) => {
    const ids = await feedIds(client, query);
    expect(ids.length).toBe(new Set(ids).size);
    expect([...ids].sort()).toEqual([...expected].sort());
  };

  /**
   * N manual-log events for one lead written straight into crm.outbox, as N committed
   * changes would leave them (in order, one millisecond apart): a backlog in one statement.
   */
  async function insertBacklog(n: number, leadId: string, tag: string): Promise<string[]> {
    const start = Date.now() - n;
    const events = Array.from({ length: n }, (_, i) =>
      buildEvent(
        'interaction.logged',
        { type: 'note', summary: `${tag} #${i}`, lead_id: leadId, contact_id: null, opportunity_id: null, actor: { id: actor.id, name: 'Admin' } },
        { time: new Date(start + i) },
      ),
    );
    await db.query(
      `insert into crm.outbox (id, type, payload, created_at)
       select id, 'interaction.logged', payload, now() - make_interval(secs => ($3::int - ord) / 1000.0)
       from unnest($1::uuid[], $2::jsonb[]) with ordinality as t(id, payload, ord)`,
      [events.map((e) => e.id), events.map((e) => JSON.stringify(e)), n],
    );
    return events.map((e) => e.id);
  }

  /** Declares the logger's queue and bindings (a logger started and stopped), so a backlog waits in it. */
  async function ensureLoggerQueue(): Promise<void> {
    const out = await rabbitmqctl(['list_queues', '-p', stack.name, 'name']);
    if (out.split('\n').some((l) => l.trim() === 'activity-logger')) return;
    const once = await logger();
    await once.stop();
  }

  /**
   * Holds the logger mid-batch: an uncommitted row with the id and the time of one event
   * of the backlog (the log's key is (id, "timestamp"): the same event has both). The logger's insert of the batch holding that event waits on the row lock
   * (ON CONFLICT must know whether it commits), its transaction open, its messages unacked.
   */
  async function holdEvent(eventId: string): Promise<{ release(): Promise<void> }> {
    const blocker = new Client({ connectionString: stack.databaseUrl, application_name: 'faults test blocker' });
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query(
      `insert into activity.interaction_log (id, "timestamp", user_id, type, summary, source, event_type, event_version, correlation_id, data)
       values ($1, (select (payload->>'time')::timestamptz from crm.outbox where id = $1), $2, 'note', 'blocker', 'manual', 'interaction.logged', 1, $3, '{}')`,
      [eventId, actor.id, randomUUID()],
    );
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      await blocker.query('rollback').catch(() => undefined);
      await blocker.end().catch(() => undefined);
    };
    closers.push(release);
    return { release };
  }
  const loggerWaitsOnLock = () =>
    count(`select count(*) as n from pg_stat_activity where datname = current_database() and application_name = 'activity-logger' and wait_event_type = 'Lock'`, []);

  const health = async (p: AppProcess, path: string) => {
    const res = await fetch(`${p.url}${path}`, { signal: AbortSignal.timeout(5_000) });
    return { status: res.status, body: await res.json().catch(() => null) };
  };

  /** Writes through the API until stopped, recording what was answered. */
  function writer(client: ApiClient, tag: string, concurrency = 2) {
    const leads: string[] = [];
    const failures: string[] = [];
    let stopped = false;
    const loops = Array.from({ length: concurrency }, async () => {
      while (!stopped) {
        const res = await client.post('/api/leads/', { name: uniq(tag) }).catch((e: Error) => ({ status: 0, body: e.message }) as const);
        if (res.status === 201) leads.push(res.body.id);
        else failures.push(`${res.status} ${JSON.stringify(res.body)}`);
      }
    });
    return {
      leads,
      failures,
      stop: async () => {
        stopped = true;
        await Promise.all(loops);
      },
    };
  }

  // ---- the faults -----------------------------------------------------------------

  return {
    get stack() {
      return stack;
    },
    get db() {
      return db;
    },
    get actor() {
      return actor;
    },
    closers,
    apiServer,
    logger,
    capture,
    proxyTo,
    count,
    loggedCount,
    unsentCount,
    queueDepth,
    readyCount,
    eventsOf,
    feedIds,
    expectFeedExactly,
    insertBacklog,
    ensureLoggerQueue,
    holdEvent,
    loggerWaitsOnLock,
    health,
    writer,
  };
}
