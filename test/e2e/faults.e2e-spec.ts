import { randomUUID } from 'node:crypto';
import { AddressInfo, connect as tcpConnect, createServer, Socket } from 'node:net';
import { connect as amqpConnect } from 'amqplib';
import { request as httpRequest } from 'node:http';
import { Client } from 'pg';
import { buildEvent } from '@app/contracts';
import { brokerUrl, deleteVhost, newName, rabbitmqctl, record } from '../support/resources';
import {
  AmqpCapture,
  amqpCapture,
  api,
  ApiClient,
  AppProcess,
  create,
  createProxy,
  eventually,
  expectStatus,
  IsolatedStack,
  isolatedStack,
  readMetric,
  startApi,
  startLogger,
  TcpProxy,
  testEnv,
  uniq,
  viaProxy,
  backoffAttemptsWithin,
} from '../utils';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(240_000);

/**
 * Fault injection: every change reaches the feed exactly once whatever fails. Each test
 * starts the processes it needs on this file's own database and vhost (so "the" logger
 * is the only consumer), breaks something, and then counts by event id: in crm.outbox,
 * on the wire (a capture queue bound beside the logger's), in activity.interaction_log
 * and through the feed.
 */
/**
 * One POST on a connection of its own (Connection: close): its answer, or the error code
 * of a request that got none (ECONNREFUSED: never reached the server; anything else: dropped).
 */
function postOnce(baseUrl: string, path: string, token: string, body: unknown): Promise<{ status: number; body: any } | string> {
  return new Promise((resolve) => {
    const payload = JSON.stringify(body);
    const req = httpRequest(
      new URL(path, baseUrl),
      {
        method: 'POST',
        agent: false,
        timeout: 15_000,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          let parsed: unknown = text || null;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            /* not JSON: keep the text */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', (err: NodeJS.ErrnoException) => resolve(`response cut: ${err.code ?? err.message}`));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer within 15 s'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'ECONNREFUSED' : `${err.code ?? ''} ${err.message}`.trim()));
    req.end(payload);
  });
}

describe('faults: nothing lost, nothing twice', () => {
  let stack: IsolatedStack;
  let db: Client;
  let actor: { id: string };
  /** What a test started; stopped after each test whatever happened. */
  let running: AppProcess[] = [];
  let closers: (() => Promise<unknown>)[] = [];

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
    closers = [];
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

  /** A TCP hop that counts connection attempts (one per service), in front of the fault proxy. */
  async function countingGate(target: Pick<TcpProxy, 'host' | 'port'>) {
    let attempts = 0;
    const sockets = new Set<Socket>();
    const server = createServer((client) => {
      attempts += 1;
      const upstream = tcpConnect({ host: target.host, port: target.port });
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ]) {
        sockets.add(a);
        a.pipe(b);
        a.on('error', end);
        a.on('close', () => {
          sockets.delete(a);
          end();
        });
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const gate = {
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      get attempts() {
        return attempts;
      },
      close: () => {
        for (const s of sockets) s.destroy();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
    closers.push(gate.close);
    return gate;
  }

  /** Every outbox row marked sent was seen on the wire: the relay never marks what the broker did not take. */
  async function expectSentWereSeen(ids: string[], wire: AmqpCapture): Promise<number> {
    const { rows } = await db.query<{ id: string }>('select id from crm.outbox where id = any($1::uuid[]) and sent_at is not null', [ids]);
    await eventually(
      () => {
        const seen = new Set(wire.messages.map((m) => m.properties.messageId));
        expect(rows.map((r) => r.id).filter((id) => !seen.has(id))).toEqual([]);
      },
      { timeout: 10_000 },
    );
    return rows.length;
  }

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

  it('the logger SIGKILLed in the middle of a batch, then restarted: every event logged exactly once', async () => {
    const apiProcess = await apiServer();
    const client = await api(apiProcess.url);
    await ensureLoggerQueue();
    const lead = await create(client, 'leads', { name: uniq('Killed Mid-Batch') });
    const N = 2000;
    const ids = await insertBacklog(N, lead.id, 'sigkill');
    // The relay publishes the backlog; with no consumer it waits in the queue.
    await eventually(async () => expect(await unsentCount(ids)).toBe(0), { timeout: 60_000 });
    await eventually(async () => expect(await queueDepth()).toBe(N + 1));

    const held = await holdEvent(ids[1500]);
    // One writer: the stream stalls behind the held batch, so "some, not all" is a fixed
    // count when it is killed (a second writer would go on writing the rest meanwhile).
    const victim = await logger({ LOGGER_BATCH_SIZE: '100', LOGGER_PREFETCH: '400', LOGGER_WRITERS: '1' });
    await eventually(async () => {
      expect(await loggerWaitsOnLock()).toBeGreaterThan(0);
      expect(await loggedCount(ids)).toBeGreaterThan(0);
    });
    const before = await loggedCount(ids);
    expect(before).toBeLessThan(N); // some, not all: killed mid-stream, a batch in flight

    victim.kill('SIGKILL');
    expect(await victim.exited).toMatchObject({ signal: 'SIGKILL' });
    // The server notices the dead client (client_connection_check_interval) and ends its
    // session, statement and all, while the row is still held.
    await eventually(async () => expect(await loggerWaitsOnLock()).toBe(0));
    await held.release();
    // Its statement died with it: nothing of the batch it held was written.
    expect(await loggedCount(ids)).toBe(before);

    await logger();
    await eventually(async () => expect(await loggedCount(ids)).toBe(N), { timeout: 60_000 });
    await eventually(async () => expect(await queueDepth()).toBe(0));
    const summaries = await db.query(`select count(distinct data->>'summary')::int as n from activity.interaction_log where id = any($1::uuid[])`, [ids]);
    expect(summaries.rows[0].n).toBe(N);
    await expectFeedExactly(client, { lead: lead.id }, [...ids, ...(await eventsOf([lead.id])).filter((id) => !ids.includes(id))]);
  });

  it('RabbitMQ unreachable for both services: writes still answer 2xx, both reconnect by themselves with backoff, every change logged once, nothing marked sent that the broker did not take', async () => {
    const wire = await capture();
    const proxy = await proxyTo(stack.amqpUrl);
    const [apiGate, loggerGate] = [await countingGate(proxy), await countingGate(proxy)];
    const apiProcess = await apiServer({ AMQP_URL: viaProxy(stack.amqpUrl, apiGate) });
    const loggerProcess = await logger({ AMQP_URL: viaProxy(stack.amqpUrl, loggerGate) });
    const client = await api(apiProcess.url);
    const load = writer(client, 'Broker Cut');
    let cutAt = { api: 0, logger: 0, leads: 0, time: 0 };
    try {
      await eventually(() => expect(load.leads.length).toBeGreaterThanOrEqual(10));

      proxy.cut();
      cutAt = { api: apiGate.attempts, logger: loggerGate.attempts, leads: load.leads.length, time: Date.now() };
      await eventually(async () => {
        expect((await health(apiProcess, '/health')).body).toMatchObject({ status: 'ok', broker: 'down' });
        expect(await health(loggerProcess, '/health/ready')).toMatchObject({ status: 503, body: { broker: 'down' } });
      });
      // Writes go on: the API answers, the outbox holds the events.
      await eventually(() => expect(load.leads.length).toBeGreaterThanOrEqual(cutAt.leads + 40), { timeout: 60_000 });
      const duringCut = load.leads.slice(cutAt.leads + 5);
      expect(await unsentCount(await eventsOf(duringCut))).toBe(duringCut.length);
      await expectSentWereSeen(await eventsOf(load.leads), wire);
      // Retrying, not spinning, however many commits wake the relay: a few attempts each
      // (polled for, no fixed wait), at most what a backoff allows in the time observed.
      await eventually(
        () => {
          expect(apiGate.attempts - cutAt.api).toBeGreaterThanOrEqual(3);
          expect(loggerGate.attempts - cutAt.logger).toBeGreaterThanOrEqual(3);
        },
        { timeout: 60_000 },
      );
      const attempts = { api: apiGate.attempts - cutAt.api, logger: loggerGate.attempts - cutAt.logger };
      const commits = load.leads.length - cutAt.leads;
      const elapsed = Date.now() - cutAt.time;
      // The fastest backoff of either (100 ms base, doubling), +4 for the connects a
      // reconnect makes besides its retries: 12 over 8 s, growing slowly with the window.
      const allowed = backoffAttemptsWithin(elapsed, 100, 10_000) + 4;
      process.stderr.write(`[faults] broker cut ${elapsed} ms: ${commits} commits, connection attempts ${JSON.stringify(attempts)}, at most ${allowed} allowed\n`);
      expect(commits).toBeGreaterThan(40);
      expect(attempts.api).toBeLessThanOrEqual(allowed); // exponential backoff, not one per commit
      expect(attempts.logger).toBeLessThanOrEqual(allowed);
      expect(await health(apiProcess, '/health')).toMatchObject({ status: 200 });

      proxy.restore();
      await eventually(
        async () => {
          expect((await health(apiProcess, '/health')).body).toMatchObject({ broker: 'up' });
          expect((await health(loggerProcess, '/health/ready')).status).toBe(200);
        },
        { timeout: 60_000 },
      );
    } finally {
      await load.stop();
    }
    expect(load.failures).toEqual([]);
    // Same processes throughout: they reconnected by themselves.
    expect([apiProcess.exitStatus(), loggerProcess.exitStatus()]).toEqual([null, null]);

    const events = await eventsOf(load.leads);
    expect(events.length).toBe(load.leads.length);
    await eventually(async () => expect(await loggedCount(events)).toBe(events.length), { timeout: 60_000 });
    expect(await expectSentWereSeen(events, wire)).toBe(events.length);
    const onTheWire = new Set(wire.messages.map((m) => m.properties.messageId));
    expect(events.filter((id) => !onTheWire.has(id))).toEqual([]);
    const logs = await db.query(`select lead_id, count(*)::int as n from activity.interaction_log where lead_id = any($1::uuid[]) group by lead_id`, [load.leads]);
    expect(logs.rows.length).toBe(load.leads.length);
    expect(logs.rows.filter((r) => r.n !== 1)).toEqual([]);
    for (const lead of [load.leads[0], load.leads[cutAt.leads + 1], load.leads[load.leads.length - 1]]) {
      await expectFeedExactly(client, { lead }, await eventsOf([lead]));
    }
  });

  it('unroutable: with no queue bound the relay keeps events unsent (returned, not delivered), and sends them once a queue is bound', async () => {
    const vhost = newName('crm_test_unroutable');
    record(testEnv().runDir, { kind: 'vhost', name: vhost }); // removed by the teardown even if this test dies
    await rabbitmqctl(['add_vhost', vhost]);
    closers.push(() => deleteVhost(vhost));
    await rabbitmqctl(['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
    const amqpUrl = brokerUrl(vhost);

    const apiProcess = await apiServer({ AMQP_URL: amqpUrl });
    const client = await api(apiProcess.url);
    const leads = [];
    for (let i = 0; i < 3; i += 1) leads.push((await create(client, 'leads', { name: uniq('Unroutable') })).id);
    const events = await eventsOf(leads);
    expect(events).toHaveLength(3);

    // Published with `mandatory` and returned: tried (attempts counted) and never marked sent.
    await eventually(async () => {
      const { rows } = await db.query('select sent_at, attempts from crm.outbox where id = any($1::uuid[])', [events]);
      expect(rows.map((r) => r.sent_at)).toEqual([null, null, null]);
      expect(Math.min(...rows.map((r) => r.attempts))).toBeGreaterThanOrEqual(2);
    });
    expect((await rabbitmqctl(['list_queues', '-p', vhost, 'name'])).trim()).toBe(''); // really nowhere to go
    expect(await readMetric(apiProcess.url, 'crm_api_events_publish_failures_total')).toBeGreaterThanOrEqual(6);
    expect(await loggedCount(events)).toBe(0);

    await logger({ AMQP_URL: amqpUrl }); // declares and binds its queue: from now on they are routable
    await eventually(async () => expect(await unsentCount(events)).toBe(0), { timeout: 60_000 });
    await eventually(async () => expect(await loggedCount(events)).toBe(3), { timeout: 30_000 });
    for (const lead of leads) await expectFeedExactly(client, { lead }, await eventsOf([lead]));
    await eventually(async () => expect(await queueDepth(vhost)).toBe(0));
  });

  it('a relay that crashed between the confirm and marking sent publishes again: still one log each', async () => {
    const wire = await capture();
    const apiProcess = await apiServer();
    const loggerProcess = await logger();
    const client = await api(apiProcess.url);
    const leads = [];
    for (let i = 0; i < 5; i += 1) leads.push((await create(client, 'leads', { name: uniq('Republished') })).id);
    const events = await eventsOf(leads);
    await eventually(async () => expect(await loggedCount(events)).toBe(5));
    const firstWritten = (await db.query('select id, logged_at from activity.interaction_log where id = any($1::uuid[]) order by id', [events])).rows;
    const duplicates = () => readMetric(loggerProcess.url, 'activity_logger_duplicates_skipped_total');
    const skippedBefore = await duplicates();

    // What a crash after the broker's confirm and before the update leaves: confirmed, not marked.
    await db.query('update crm.outbox set sent_at = null where id = any($1::uuid[])', [events]);
    await eventually(() => {
      for (const id of events) expect(wire.messages.filter((m) => m.properties.messageId === id)).toHaveLength(2);
    });
    await eventually(async () => expect(await unsentCount(events)).toBe(0));
    await eventually(async () => expect((await duplicates()) - skippedBefore).toBe(5));

    expect((await db.query('select id, logged_at from activity.interaction_log where id = any($1::uuid[]) order by id', [events])).rows).toEqual(firstWritten);
    for (const lead of leads) await expectFeedExactly(client, { lead }, await eventsOf([lead]));
  });

  it('crm-api SIGKILLed in the middle of a relay round (published, confirms not back), restarted: every event delivered again, logged exactly once, all marked sent', async () => {
    await logger();
    const wire = await capture();
    const line = await proxyTo(stack.amqpUrl);
    const victim = await apiServer({ AMQP_URL: viaProxy(stack.amqpUrl, line) });
    const client = await api(victim.url);
    await eventually(async () => expect((await health(victim, '/health')).body).toMatchObject({ broker: 'up' }));

    // The broker gets the relay's messages, its confirms never get back: the round is in flight.
    line.stallReplies();
    const leads: string[] = [];
    for (let i = 0; i < 20; i += 1) leads.push((await create(client, 'leads', { name: uniq('Killed Mid Round') })).id);
    const events = await eventsOf(leads);
    expect(events).toHaveLength(20);
    // The relay's first round takes what was committed by then, publishes it and waits for
    // confirms; the rest waits for the next round. In flight: delivered (logged), not marked sent.
    const deliveredBefore = (id: string) => wire.messages.filter((m) => m.properties.messageId === id).length;
    const inFlight = await eventually(async () => {
      const logged = (await db.query<{ id: string }>('select id from activity.interaction_log where id = any($1::uuid[])', [events])).rows.map((r) => r.id);
      expect(logged.length).toBeGreaterThan(0);
      expect(await unsentCount(events)).toBe(20); // no confirm came back: nothing marked sent
      expect(logged.map(deliveredBefore)).toEqual(logged.map(() => 1));
      return logged;
    });

    victim.kill('SIGKILL');
    expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
    line.restore();

    const again = await apiServer();
    await eventually(async () => expect(await unsentCount(events)).toBe(0), { timeout: 60_000 });
    // The round in flight published again (it never got its confirms); every event logged once.
    await eventually(() => expect(inFlight.filter((id) => deliveredBefore(id) < 2)).toEqual([]));
    await eventually(async () => expect(await loggedCount(events)).toBe(20));
    expect(events.filter((id) => deliveredBefore(id) < 1)).toEqual([]);
    const client2 = await api(again.url);
    for (const lead of leads) await expectFeedExactly(client2, { lead }, await eventsOf([lead]));
  });

  it('a change whose event cannot be written is not made: the outbox insert fails, the CRM write rolls back with it', async () => {
    const apiProcess = await apiServer();
    const client = await api(apiProcess.url);
    const lead = await create(client, 'leads', { name: uniq('Atomic Lead') });
    const refusedName = uniq('Atomic Refused');
    // A trigger that refuses exactly these events (the lead's status change, the new lead's
    // creation): the event write fails inside the request's statement.
    await db.query(`create function crm.faults_refuse_event() returns trigger language plpgsql as $$
      begin raise exception 'outbox write refused for the test'; end $$`);
    await db.query(`create trigger faults_refuse_event before insert on crm.outbox for each row
      when ((new.type = 'lead.status_changed' and new.payload->>'subject' = '${lead.id}')
         or (new.type = 'lead.created' and new.payload->'data'->>'name' = '${refusedName}'))
      execute function crm.faults_refuse_event()`);
    try {
      const created = await client.post('/api/leads/', { name: refusedName });
      expect(created.status).toBeGreaterThanOrEqual(500);
      expect(created.body).toEqual({ status: created.status, error: expect.any(String), message: expect.anything() });
      expect((await db.query('select id from crm.leads where name = $1', [refusedName])).rows).toEqual([]);

      const changed = await client.patch(`/api/leads/${lead.id}/`, { status: 'qualified' });
      expect(changed.status).toBeGreaterThanOrEqual(500);
      expect(expectStatus(await client.get(`/api/leads/${lead.id}/`), 200).status).toBe('new');
      expect((await db.query(`select type from crm.outbox where payload->>'subject' = $1 order by created_at`, [lead.id])).rows).toEqual([{ type: 'lead.created' }]);
    } finally {
      await db.query('drop trigger faults_refuse_event on crm.outbox; drop function crm.faults_refuse_event()');
    }
    // The same requests go through once the event can be written.
    await create(client, 'leads', { name: refusedName });
    expect(expectStatus(await client.patch(`/api/leads/${lead.id}/`, { status: 'qualified' }), 200).status).toBe('qualified');
  });

  it('two crm-api replicas relaying one outbox: every event published once, none skipped, each logged once', async () => {
    const wire = await capture();
    const [a, b] = [await apiServer({ RELAY_BATCH_SIZE: '25' }), await apiServer({ RELAY_BATCH_SIZE: '25' })];
    await logger();
    const [clientA, clientB] = [await api(a.url), await api(b.url)];
    const lead = await create(clientA, 'leads', { name: uniq('Two Relays') });
    const published = (p: AppProcess) => readMetric(p.url, 'crm_api_events_published_total');
    const before = { a: await published(a), b: await published(b) };

    // A backlog both relays are woken for at once, and writes through both replicas meanwhile.
    const writes = Promise.all(Array.from({ length: 20 }, (_, i) => create(i % 2 ? clientA : clientB, 'leads', { name: uniq('Replica Write') })));
    const backlog = await insertBacklog(2000, lead.id, 'two relays');
    const written: string[] = (await writes).map((l) => l.id);
    const events = [...backlog, ...(await eventsOf(written))];
    expect(events.length).toBe(2020);

    await eventually(async () => expect(await unsentCount(events)).toBe(0), { timeout: 90_000 });
    await eventually(async () => expect(await loggedCount(events)).toBe(events.length), { timeout: 90_000 });
    // Both took part, and between them each event crossed the broker exactly once (SKIP LOCKED).
    const share = { a: (await published(a)) - before.a, b: (await published(b)) - before.b };
    expect(share.a).toBeGreaterThan(0);
    expect(share.b).toBeGreaterThan(0);
    expect(share.a + share.b).toBeGreaterThanOrEqual(events.length);
    await eventually(() => {
      const times = new Map<string, number>();
      for (const m of wire.messages) times.set(m.properties.messageId, (times.get(m.properties.messageId) ?? 0) + 1);
      expect(events.filter((id) => times.get(id) !== 1)).toEqual([]);
    });
    await expectFeedExactly(clientB, { lead: lead.id }, [...backlog, ...(await eventsOf([lead.id])).filter((id) => !backlog.includes(id))]);
  });

  it('SIGTERM to the logger under load: stops taking work, writes and acks what it holds, exits 0 within seconds; after a restart every event is logged once', async () => {
    const apiProcess = await apiServer();
    const client = await api(apiProcess.url);
    await ensureLoggerQueue();
    const lead = await create(client, 'leads', { name: uniq('Logger SIGTERM') });
    const N = 3000;
    const ids = await insertBacklog(N, lead.id, 'sigterm');
    await eventually(async () => expect(await unsentCount(ids)).toBe(0), { timeout: 60_000 });
    await eventually(async () => expect(await queueDepth()).toBe(N + 1));

    // Caught mid-stream: blocked on one event, more delivered and held behind it.
    const held = await holdEvent(ids[1000]);
    const victim = await logger({ LOGGER_BATCH_SIZE: '50', LOGGER_PREFETCH: '300' });
    await eventually(async () => expect(await loggerWaitsOnLock()).toBeGreaterThan(0));
    const atSigterm = await loggedCount(ids);

    const t0 = Date.now();
    victim.kill('SIGTERM');
    // Released once the logger says it is stopping (no fixed wait): the batch in flight finishes during the shutdown.
    await eventually(() => expect(victim.output()).toContain('stopping: taking no new work'), { timeout: 15_000 });
    await held.release();
    const exit = await victim.exited;
    const took = Date.now() - t0;
    // 0, not the hard exit's 1 (main.ts, after 10 s): it finished by itself.
    expect(exit).toEqual({ code: 0, signal: null });
    expect(took).toBeLessThan(10_000);

    const written = await loggedCount(ids);
    expect(written).toBeGreaterThan(atSigterm); // it finished what it held
    const leadEventsWaiting = 1 - (await loggedCount(await eventsOf([lead.id])));
    // Each event either written and acked, or back in the queue (its unacked ones returned
    // when its connection closed): none lost, none written and left unacked.
    await eventually(
      async () => {
        const left = (await readyCount()) - leadEventsWaiting;
        expect(left).toBeGreaterThan(0); // it took no new work
        expect(written + left).toBe(N);
      },
      { timeout: 15_000 },
    ).catch((err: Error) => {
      // The logger's own account of its shutdown (grace over? statements in flight?) is the clue.
      const story = victim
        .output()
        .split('\n')
        .filter((l) => /stopping|shutdown|transport closed|lost|failed/.test(l));
      err.message += `\n--- the logger on its way out ---\n${story.join('\n')}`;
      throw err;
    });

    await logger();
    await eventually(async () => expect(await loggedCount(ids)).toBe(N), { timeout: 60_000 });
    await eventually(async () => expect(await queueDepth()).toBe(0));
    await expectFeedExactly(client, { lead: lead.id }, [...ids, ...(await eventsOf([lead.id])).filter((id) => !ids.includes(id))]);
  });

  it('SIGTERM to crm-api under load (and with a live stream open): in-flight requests finish, exits 0 within seconds; every committed change is logged once', async () => {
    await logger();
    const victim = await apiServer();
    const client = await api(victim.url);
    const stream = await fetch(`${victim.url}/api/interaction-logs/stream/`, { headers: { authorization: `Bearer ${client.token}` } });
    expect(stream.status).toBe(200);
    const reading = stream.body!.pipeTo(new WritableStream()).catch(() => undefined);
    const tag = uniq('Api SIGTERM');
    const answers: number[] = [];
    const created: string[] = [];
    /** Requests that got no answer although their connection was accepted: the name sent, and why. */
    const unanswered: { name: string; error: string }[] = [];
    let refused = 0;
    let stopped = false;
    const loops = Array.from({ length: 4 }, async () => {
      while (!stopped) {
        // A connection per request (no keep-alive): "refused" then means exactly that the
        // server no longer listens, so no request can be lost unnoticed in a reused socket.
        const name = `${tag} ${randomUUID()}`;
        const outcome = await postOnce(victim.url, '/api/leads/', client.token, { name });
        if (typeof outcome === 'string') {
          if (outcome === 'ECONNREFUSED' && victim.exitStatus() !== null) return; // it is gone: nothing was sent
          if (outcome === 'ECONNREFUSED') {
            refused += 1; // listener closed, process still finishing: the request never reached it
            await new Promise((resolve) => setTimeout(resolve, 20));
            continue;
          }
          unanswered.push({ name, error: outcome });
          continue;
        }
        answers.push(outcome.status);
        if (outcome.status === 201) created.push(outcome.body.id);
      }
    });
    await eventually(() => expect(created.length).toBeGreaterThanOrEqual(30));

    const t0 = Date.now();
    victim.kill('SIGTERM');
    const exit = await victim.exited;
    const took = Date.now() - t0;
    stopped = true;
    await Promise.all(loops);
    await reading;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(took).toBeLessThan(8_000);
    // Every request counted. Answered ones properly: created, or turned away while closing.
    // One without an answer is allowed only as a connection reset the server never read
    // (still in the kernel's accept queue, or not yet parsed, when the listener closed):
    // the same as refused, nothing done. One it had begun (its record committed) and then
    // dropped is a failure, and so is any other error (a timeout: a request left hanging).
    const rows = (await db.query<{ id: string; name: string }>(`select id, name from crm.leads where name like $1`, [`${tag} %`])).rows;
    const committedNames = new Set(rows.map((r) => r.name));
    const dropped = unanswered.filter((u) => committedNames.has(u.name) || !/^(ECONNRESET|EPIPE)\b/.test(u.error));
    process.stderr.write(
      `[faults] crm-api SIGTERM: ${answers.length} answered, ${refused} refused, ${unanswered.length - dropped.length} reset unread, ${dropped.length} dropped\n`,
    );
    expect(dropped).toEqual([]);
    expect(answers.filter((s) => s !== 201 && s !== 503)).toEqual([]);

    // What it committed (answered or not) is in the outbox; a restarted replica relays the rest.
    const committed = rows.map((r) => r.id);
    expect(committed).toEqual(expect.arrayContaining(created));
    const events = await eventsOf(committed);
    expect(events.length).toBe(committed.length);
    const again = await apiServer();
    await eventually(async () => expect(await unsentCount(events)).toBe(0), { timeout: 30_000 });
    await eventually(async () => expect(await loggedCount(events)).toBe(events.length), { timeout: 30_000 });
    const perLead = await db.query(`select count(*)::int as n from activity.interaction_log where lead_id = any($1::uuid[]) group by lead_id having count(*) <> 1`, [committed]);
    expect(perLead.rows).toEqual([]);
    const client2 = await api(again.url);
    await expectFeedExactly(client2, { lead: committed[committed.length - 1] }, await eventsOf([committed[committed.length - 1]]));
  });

  it('feed reads on a database URL of their own (FEED_DATABASE_URL, a read replica): losing it fails feed reads only, with a 503, and they recover by themselves', async () => {
    const line = await proxyTo(stack.databaseUrl);
    const apiProcess = await apiServer({ FEED_DATABASE_URL: viaProxy(stack.databaseUrl, line) });
    await logger();
    const client = await api(apiProcess.url);
    const feedOf = (id: string) => client.get(`/api/interaction-logs/?lead=${id}`);
    const lead = await create(client, 'leads', { name: uniq('Replica Lead') });
    await eventually(async () => expect(expectStatus(await feedOf(lead.id), 200).results).toHaveLength(1));
    expect(line.connections).toBeGreaterThan(0); // the reads took the feed's own line

    line.cut();
    const refused = await feedOf(lead.id);
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ status: 503, error: expect.any(String), message: expect.anything() });
    // Writes, and reads of CRM records, do not go that way.
    const written = await create(client, 'leads', { name: uniq('Written Meanwhile') });
    expectStatus(await client.get(`/api/leads/${written.id}/`), 200);

    line.restore();
    await eventually(async () => expect(expectStatus(await feedOf(written.id), 200).results).toHaveLength(1));
  });

  it('PostgreSQL unreachable for the logger: the batch is held and retried with backoff, nothing acked, redelivered or dead-lettered, then written once', async () => {
    const apiProcess = await apiServer();
    const client = await api(apiProcess.url);
    const dbUrl = new URL(stack.databaseUrl);
    const proxy = await createProxy(dbUrl.hostname, Number(dbUrl.port || 5432));
    closers.push(() => proxy.close());
    const loggerProcess = await logger({ DATABASE_URL: viaProxy(stack.databaseUrl, proxy) });
    // A name sums its label sets (activity_logger_dead_lettered_total), name{…} is one series.
    const metric = (name: string) => readMetric(loggerProcess.url, name);

    proxy.cut();
    const leads = [];
    for (let i = 0; i < 5; i += 1) leads.push((await create(client, 'leads', { name: uniq('DB Cut') })).id);
    const events = await eventsOf(leads);
    await eventually(async () => expect(await metric('activity_logger_held_messages')).toBe(5));
    const before = { consumed: await metric('activity_logger_messages_consumed_total'), backoff: await metric('activity_logger_retries_total{kind="backoff"}'), t: Date.now() };
    // Several retries observed (polled for, no fixed wait), then: held, not handed back (no
    // redelivery loop), retried at a backoff's pace (100 ms doubling to 5 s per held batch,
    // at most 5 batches): a bound from the time actually observed, not a spin.
    await eventually(async () => expect(await metric('activity_logger_retries_total{kind="backoff"}')).toBeGreaterThanOrEqual(before.backoff + 5), { timeout: 60_000 });
    const after = { consumed: await metric('activity_logger_messages_consumed_total'), backoff: await metric('activity_logger_retries_total{kind="backoff"}'), t: Date.now() };
    expect(after.consumed).toBe(before.consumed);
    expect(after.backoff - before.backoff).toBeLessThanOrEqual(5 * backoffAttemptsWithin(after.t - before.t, 100, 5_000));
    await eventually(async () => expect(await queueDepth()).toBe(5)); // delivered, unacked
    expect(await metric('activity_logger_dead_lettered_total')).toBe(0);
    expect(await metric('activity_logger_held_messages')).toBe(5);
    expect(loggerProcess.exitStatus()).toBeNull();

    proxy.restore();
    await eventually(async () => expect(await loggedCount(events)).toBe(5), { timeout: 30_000 });
    await eventually(async () => expect(await queueDepth()).toBe(0));
    expect(await metric('activity_logger_duplicates_skipped_total')).toBe(0);
    for (const lead of leads) await expectFeedExactly(client, { lead }, await eventsOf([lead]));
  });
});
