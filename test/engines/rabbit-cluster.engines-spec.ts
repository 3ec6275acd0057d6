import { execFileSync } from 'node:child_process';
import { Client } from 'pg';
import { RabbitCluster, startRabbitCluster } from '../../scripts/lib/rabbit-cluster';
import {
  api,
  ApiClient,
  AppProcess,
  countByOutcome,
  create,
  eventually,
  expectEveryLeadLoggedOnce,
  feed,
  IsolatedStack,
  isolatedStack,
  startApi,
  startLogger,
  uniq,
  writeLoad,
} from '../utils';

// Three broker VMs booting on a loaded 2-core machine, then 2,000 leads: generous.
jest.setTimeout(900_000);

const LEADS = 2_000;
const CONCURRENCY = 4;
/** A lead's request answers within this, broker or no broker (the outbox decouples them). */
const DEADLINE_MS = 30_000;
/** After a node stops, a new lead is in the feed within this (reconnect backoff is at most 10 s). */
const RECOVERY_MS = 60_000;

/**
 * Issue 12, part 1: the pipeline on a three-node RabbitMQ cluster of the test's own
 * (scripts/lib/rabbit-cluster.js: own node names, ports, cookie and data directories;
 * the machine's broker is not involved), AMQP_URL listing all three. Under a write load,
 * the node leading the `activity-logger` quorum queue stops, then the node crm-api's
 * relay publishes to; each comes back. Every lead answers 201 and is logged exactly
 * once, and the outbox empties; how long the pipeline took to recover is printed.
 */
describe('a three-node RabbitMQ cluster: crm-api and two loggers ride out the loss of a node', () => {
  let stack: IsolatedStack;
  let cluster: RabbitCluster | undefined;
  const running: AppProcess[] = [];

  beforeAll(async () => {
    stack = await isolatedStack();
    cluster = await startRabbitCluster({ size: 3 });
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop(10_000)));
    await cluster?.destroy();
    await stack?.destroy();
  });

  it(`${LEADS} leads while the queue's leader, then crm-api's node, stop and come back: all 201, each logged once, outbox empty`, async () => {
    const c = cluster!;
    // The machine's broker is still alone: the private nodes did not join it (nor it them).
    const shared = JSON.parse(execFileSync('rabbitmqctl', ['-q', 'cluster_status', '--formatter', 'json'], { encoding: 'utf8', timeout: 60_000 }));
    expect(shared.running_nodes).toEqual(['rabbit@localhost']);
    expect(c.nodes.every((n) => n.port !== 5672 && !n.name.startsWith('rabbit@'))).toBe(true);

    const env = { ...stack.env, AMQP_URL: c.amqpUrl('/') };
    for (let i = 0; i < 2; i++) running.push(await startLogger(env));
    const apiProcess = await startApi(env);
    running.push(apiProcess);
    const client = await api(apiProcess.url);
    const prefix = uniq('Cluster');
    const load = writeLoad(client, 'leads', prefix, DEADLINE_MS);
    const created = () => load.answers.filter((a) => a.outcome === 201).length;
    load.start(CONCURRENCY);

    const recoveries: Record<string, unknown>[] = [];
    const stopAndRecover = async (what: string, node: string | null) => {
      const target = c.nodes.find((n) => n.name === node);
      if (!target) throw new Error(`no node for ${what} (${node}) among ${c.nodes.map((n) => n.name).join(', ')}`);
      await eventually(() => expect(created()).toBeGreaterThan(recoveries.length * 300 + 100), { timeout: 120_000, interval: 200 });
      const stopping = Date.now();
      await target.stop();
      const down = Date.now();
      const recoveredMs = await probeLogged(client, prefix);
      recoveries.push({ stopped: what, node: target.name, stop_took_ms: down - stopping, recovered_ms_after_stop: recoveredMs });
      const restarting = Date.now();
      await target.start();
      recoveries[recoveries.length - 1].restart_ms = Date.now() - restarting;
    };

    try {
      await stopAndRecover('leader of the activity-logger queue', await c.leaderOf('activity-logger'));
      await stopAndRecover(
        "crm-api's relay connection",
        await eventually(
          async () => {
            const node = await c.nodeOfConnection('crm-api outbox relay');
            if (!node) throw new Error('the relay has no connection yet');
            return node;
          },
          { timeout: 60_000 },
        ),
      );
      await eventually(() => expect(created()).toBeGreaterThanOrEqual(LEADS), { timeout: 600_000, interval: 500 });
    } finally {
      await load.stop();
    }
    process.stderr.write(`[rabbit-cluster] ${JSON.stringify({ answers: countByOutcome(load.answers), recoveries })}\n`);

    expect(countByOutcome(load.answers)).toEqual({ 201: load.answers.length });
    expect(running.map((p) => p.exitStatus())).toEqual(running.map(() => null));
    const db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      await expectEveryLeadLoggedOnce(
        db,
        prefix,
        load.answers.map((a) => a.id!),
        120_000,
      );
    } finally {
      await db.end();
    }
  });
});

/** Creates a lead now and returns how long until the feed shows its log (the pipeline works again). */
async function probeLogged(client: ApiClient, prefix: string): Promise<number> {
  const since = Date.now();
  const lead = await eventually(() => create(client, 'leads', { name: `${prefix} probe ${since}` }), { timeout: DEADLINE_MS });
  await eventually(async () => expect((await feed(client, { lead: lead.id })).results).toHaveLength(1), { timeout: RECOVERY_MS, interval: 100 });
  return Date.now() - since;
}
