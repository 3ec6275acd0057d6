// Fault injection (faults.shared.ts has the suite's setup and counting): RabbitMQ unreachable, or dropping what it cannot route.
// The describe keeps the original file's name, so every test keeps its full name.
import { AddressInfo, connect as tcpConnect, createServer, Socket } from 'node:net';
import { Client } from 'pg';
import { brokerUrl, deleteVhost, newName, rabbitmqctl, record } from '../support/resources';
import { AmqpCapture, api, create, eventually, IsolatedStack, readMetric, TcpProxy, testEnv, uniq, viaProxy, backoffAttemptsWithin } from '../utils';
import { faultsSuite } from './faults.shared';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(240_000);

describe('faults: nothing lost, nothing twice', () => {
  const suite = faultsSuite();
  const { closers, apiServer, logger, capture, proxyTo, loggedCount, unsentCount, queueDepth, eventsOf, expectFeedExactly, health, writer } = suite;
  let stack: IsolatedStack;
  let db: Client;
  beforeAll(() => ({ stack, db } = suite));

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
});
