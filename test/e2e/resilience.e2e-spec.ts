import { rabbitmqctl } from '../support/resources';
import {
  logsEventually,
  api,
  ApiClient,
  AppProcess,
  create,
  createProxy,
  eventually,
  feed,
  IsolatedStack,
  isolatedStack,
  logWithSummary,
  startApi,
  startLogger,
  TcpProxy,
  uniq,
  update,
  viaProxy,
} from '../utils';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(180_000);

/**
 * What must hold when parts of the pipeline are away. On its own database and vhost:
 * here this file is the only consumer, so stopping "the" logger means no log is written.
 */
describe('pipeline resilience', () => {
  let stack: IsolatedStack;
  let apiProcess: AppProcess;
  let admin: ApiClient;
  const started: AppProcess[] = [];
  const proxies: TcpProxy[] = [];

  /** Messages in the logger's queue not acked yet (ready + delivered but unacked). */
  const unacked = async (): Promise<number> => {
    const out = await rabbitmqctl(['list_queues', '-p', stack.name, 'name', 'messages']);
    const row = out
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .find(([name]) => name === 'activity-logger');
    if (!row) throw new Error(`no activity-logger queue in ${stack.name}: ${out}`);
    return Number(row[1]);
  };
  const logger = async (env: NodeJS.ProcessEnv = {}) => {
    const p = await startLogger({ ...stack.env, ...env });
    started.push(p);
    return p;
  };
  const stopLoggers = () => Promise.all(started.filter((p) => p.name === 'activity-logger').map((p) => p.stop()));

  beforeAll(async () => {
    stack = await isolatedStack();
    apiProcess = await startApi(stack.env);
    started.push(apiProcess);
    admin = await api(apiProcess.url);
  });

  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
    await Promise.all(proxies.map((p) => p.close()));
    await stack?.destroy();
  });

  it('stamps each log with when the change happened, not when the log was consumed', async () => {
    // Declare the queue and its bindings, then leave nobody consuming it.
    await (await logger()).stop();

    const name = uniq('Late Lead');
    const before = Date.now();
    const lead = await create(admin, 'leads', { name });
    await update(admin, 'leads', lead.id, { status: 'contacted' });
    const after = Date.now();

    await eventually(async () => expect(await unacked()).toBe(2));
    expect((await feed(admin, { lead: lead.id })).results).toEqual([]);

    const restartedAt = Date.now();
    await logger();
    const created = await logWithSummary(admin, { lead: lead.id }, `New lead created: ${name}`);
    const contacted = await logWithSummary(admin, { lead: lead.id }, `Lead ${name} contacted for the first time`);
    for (const log of [created, contacted]) {
      const at = Date.parse(log.timestamp);
      expect(at).toBeGreaterThanOrEqual(before);
      expect(at).toBeLessThanOrEqual(after);
      expect(at).toBeLessThan(restartedAt);
    }
    expect(Date.parse(created.timestamp)).toBeLessThanOrEqual(Date.parse(contacted.timestamp));
  });

  it("loses nothing and writes nothing twice while the logger's database connection is cut", async () => {
    await stopLoggers();
    const db = new URL(stack.databaseUrl);
    const proxy = await createProxy(db.hostname, Number(db.port || 5432));
    proxies.push(proxy);
    const proxied = await logger({ DATABASE_URL: viaProxy(stack.databaseUrl, proxy) });

    proxy.cut();
    const name = uniq('Cut Lead');
    const lead = await create(admin, 'leads', { name });
    for (const status of ['contacted', 'qualified']) await update(admin, 'leads', lead.id, { status });
    // Published, and not acked: the logger cannot write them.
    await eventually(async () => expect(await unacked()).toBe(3));
    expect((await feed(admin, { lead: lead.id })).results).toEqual([]);
    expect(proxied.exitStatus()).toBeNull();

    proxy.restore();
    // Held batches are written by concurrent writers, each after its own backoff: wait
    // for all three, then the set must be exact (nothing lost, nothing twice).
    const results = await logsEventually(admin, { lead: lead.id }, 3);
    expect(results.map((l) => l.summary).sort()).toEqual(
      [`New lead created: ${name}`, `Lead ${name} contacted for the first time`, `Lead ${name} qualified as a potential customer`].sort(),
    );
    await eventually(async () => expect(await unacked()).toBe(0));
    expect(proxied.exitStatus()).toBeNull();
  });

  it("publishes what was committed while crm-api's broker connection was cut", async () => {
    await stopLoggers();
    await logger();
    const broker = new URL(stack.amqpUrl);
    const proxy = await createProxy(broker.hostname, Number(broker.port || 5672));
    proxies.push(proxy);
    const proxiedApi = await startApi({ ...stack.env, AMQP_URL: viaProxy(stack.amqpUrl, proxy) });
    started.push(proxiedApi);
    await apiProcess.stop(); // only the proxied crm-api may relay the outbox now
    const client = await api(proxiedApi.url);

    proxy.cut();
    const name = uniq('Offline Lead');
    const lead = await create(client, 'leads', { name, company: 'Stark Industries' });

    proxy.restore();
    const log = await logWithSummary(client, { lead: lead.id }, `New lead created: ${name} from Stark Industries`, { timeout: 60_000 });
    expect(log).toMatchObject({ type: 'note', source: 'auto', lead: lead.id });
  });
});
