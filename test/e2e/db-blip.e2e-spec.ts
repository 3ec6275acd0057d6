import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import {
  api,
  AppProcess,
  countByOutcome,
  createProxy,
  eventually,
  expectEveryLeadLoggedOnce,
  migrate,
  IsolatedStack,
  isolatedStack,
  openFds,
  PrivatePostgres,
  socketsTo,
  startApi,
  startLogger,
  startPrivatePostgres,
  TcpProxy,
  uniq,
  viaProxy,
  readLoad,
  RequestLoad,
  writeLoad,
} from '../utils';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(360_000);

const OUTAGE_MS = 10_000;
const CONCURRENCY = 4;
/** And at the start of each outage, this many more at once: the connections' bound must not depend on the rate. */
const BURST = 50;
/** A request without an answer by then has hung. */
const DEADLINE_MS = 10_000;
/** GET /health is 200 again at most this long after the database is back. */
const RECOVERY_MS = 10_000;
/**
 * An answer to a request that needs the database, while it is away, comes within this.
 * Refused or reset: at once, or after waiting for a pooled connection at most
 * DB_ACQUIRE_TIMEOUT_MS (5 s; a burst queues for the pool). A silent drop: a statement
 * already sent waits for its timeout (DB_QUERY_TIMEOUT_MS 5 s, then 2 s more on the
 * client's side). Plus 2 s for a loaded machine's timers.
 */
const QUICK_503_MS = 5_000 + 2_000;
const SILENT_DROP_503_MS = 5_000 + 2_000 + 2_000;
const POOL = 4;
/**
 * crm-api's database connections, at most: the records' pool (MikroORM) and the feed's
 * pool, DB_POOL_SIZE each; the relay's pool of 2; the relay's, the stream's and the
 * sessions' LISTEN.
 */
const DB_CONNECTIONS_BOUND = 2 * POOL + 2 + 3;

interface Apps {
  apiProcess: AppProcess;
  loggerProcess: AppProcess;
  /** The port crm-api reaches PostgreSQL on (its proxy's, or the private server's). */
  dbPort: number;
}

interface Outage {
  label: string;
  from: number;
  to: number;
  recoveredMs: number;
  loggerRecoveredMs: number;
  /** GET /health while the database was away: statuses, and the slowest answer. */
  health: { statuses: number[]; slowestMs: number };
  /** crm-api's file descriptors and connections to the database during the outage. */
  maxFds: number;
  maxDbSockets: number;
}

/**
 * A database blip as an operator's bad day has it (issue 17): PostgreSQL goes away for
 * 10 s under a steady write load, for both apps, and comes back. Neither app may die,
 * requests that need the database answer 503 quickly and none hangs, crm-api's
 * connections and descriptors stay within its pools, both apps recover by themselves
 * within seconds, and every lead answered 201 is kept and logged exactly once.
 */
describe('database blip under write load: no crash, quick 503s, bounded connections, recovery, nothing lost or twice', () => {
  let stack: IsolatedStack;
  let running: AppProcess[] = [];
  let closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    stack = await isolatedStack();
  });
  afterEach(async () => {
    await Promise.all(running.map((p) => p.stop(5_000)));
    for (const close of closers.reverse()) await close().catch(() => undefined);
    running = [];
    closers = [];
  });
  afterAll(async () => {
    await stack?.destroy();
  });

  const started = async (p: Promise<AppProcess>) => {
    const app = await p;
    running.push(app);
    return app;
  };
  const status = (url: string, path: string) =>
    fetch(new URL(path, url), { signal: AbortSignal.timeout(DEADLINE_MS) }).then(
      (r) => r.status,
      () => 0,
    );

  /**
   * Runs the load, takes the database away with `down` and gives it back with `up` once
   * per label, and measures everything the assertions need.
   */
  async function blips({ apiProcess, loggerProcess, dbPort }: Apps, labels: string[], down: (label: string) => Promise<void>, up: () => Promise<void>) {
    const prefix = uniq('Blip');
    const client = await api(apiProcess.url);
    const load = writeLoad(client, 'leads', prefix, DEADLINE_MS).start(CONCURRENCY);
    // Feed reads too: they go through the feed's own pool.
    const reads = readLoad(client, '/api/interaction-logs/?limit=5', DEADLINE_MS).start(1);
    const outages: Outage[] = [];
    // Before the load has opened much: what the bound on descriptors starts from.
    const startFds = openFds(apiProcess.pid);
    let maxDbSocketsEver = 0;
    const sampler = setInterval(() => {
      if (!apiProcess.exitStatus()) maxDbSocketsEver = Math.max(maxDbSocketsEver, socketsTo(apiProcess.pid, dbPort));
    }, 100);
    try {
      for (const label of labels) {
        await flowing(load);
        await down(label);
        const from = Date.now();
        const outage: Outage = { label, from, to: 0, recoveredMs: -1, loggerRecoveredMs: -1, health: { statuses: [], slowestMs: 0 }, maxFds: 0, maxDbSockets: 0 };
        const burst = load.burst(BURST);
        // The outage lasts OUTAGE_MS whatever happens; meanwhile, watch crm-api.
        while (Date.now() - from < OUTAGE_MS) {
          if (apiProcess.exitStatus()) break;
          outage.maxFds = Math.max(outage.maxFds, openFds(apiProcess.pid));
          outage.maxDbSockets = Math.max(outage.maxDbSockets, socketsTo(apiProcess.pid, dbPort));
          const t = Date.now();
          outage.health.statuses.push(await status(apiProcess.url, '/health'));
          outage.health.slowestMs = Math.max(outage.health.slowestMs, Date.now() - t);
          await new Promise((r) => setTimeout(r, 250));
        }
        await burst;
        await up();
        outage.to = Date.now();
        outage.recoveredMs = await timeTo(() => status(apiProcess.url, '/health'));
        outage.loggerRecoveredMs = await timeTo(() => status(loggerProcess.url, '/health/ready'));
        outages.push(outage);
      }
      await flowing(load);
    } finally {
      await Promise.all([load.stop(), reads.stop()]);
      clearInterval(sampler);
    }
    return { prefix, answers: load.answers, reads: reads.answers, outages, startFds, maxDbSocketsEver };
  }

  /** At least 20 leads created since now: writes go through. */
  const flowing = (load: RequestLoad) => {
    const since = Date.now();
    return eventually(
      () => {
        const created = load.between(since).filter((a) => a.outcome === 201).length;
        if (created < 20) throw new Error(`only ${created} lead(s) created in ${Date.now() - since} ms: ${JSON.stringify(countByOutcome(load.between(since)))}`);
      },
      { timeout: 30_000, interval: 100 },
    );
  };

  /** How long until `probe` answers 200 (polled; -1 if not within RECOVERY_MS). */
  const timeTo = async (probe: () => Promise<number>) => {
    const since = Date.now();
    try {
      await eventually(async () => expect(await probe()).toBe(200), { timeout: RECOVERY_MS, interval: 100 });
      return Date.now() - since;
    } catch {
      return -1;
    }
  };

  async function expectSurvivedAndRecovered(apps: Apps, result: Awaited<ReturnType<typeof blips>>, databaseUrl: string, quickMs = QUICK_503_MS) {
    const { apiProcess, loggerProcess } = apps;
    const { answers, outages } = result;
    const during = (o: Outage, of = answers) => of.filter((a) => a.at >= o.from && a.at < o.to);
    const report = {
      answers: countByOutcome(answers),
      reads: countByOutcome(result.reads),
      outages: outages.map((o) => ({
        label: o.label,
        answers: countByOutcome(during(o)),
        reads: countByOutcome(during(o, result.reads)),
        slowest_ms: Math.max(0, ...during(o).map((a) => a.ms)),
        health: `${[...new Set(o.health.statuses)].join('/')} (slowest ${o.health.slowestMs} ms)`,
        recovered_ms: o.recoveredMs,
        logger_recovered_ms: o.loggerRecoveredMs,
        max_fds: o.maxFds,
        max_db_sockets: o.maxDbSockets,
      })),
      start_fds: result.startFds,
      max_db_sockets: result.maxDbSocketsEver,
      first_odd: [...answers, ...result.reads].filter((a) => a.outcome !== 201 && a.outcome !== 200 && a.outcome !== 503).slice(0, 5),
    };
    const context = JSON.stringify(report, null, 1);
    // What the run saw, for the record (and to compare runs): also when it passes.
    process.stderr.write(`[db-blip] ${JSON.stringify({ ...report, first_odd: undefined })}\n`);

    // Neither process died; each answer was a 201 or a 503, and none hung.
    expect({ api: apiProcess.exitStatus(), logger: loggerProcess.exitStatus() }).toEqual({ api: null, logger: null });
    expect({ other: answers.filter((a) => a.outcome !== 201 && a.outcome !== 503).length, context }).toEqual({ other: 0, context });
    expect({ otherReads: result.reads.filter((a) => a.outcome !== 200 && a.outcome !== 503).length, context }).toEqual({ otherReads: 0, context });
    for (const o of outages) {
      const answered = during(o);
      // Requests that needed the database were told so, quickly; health said it too.
      expect({ label: o.label, got503: answered.some((a) => a.outcome === 503), context }).toEqual({ label: o.label, got503: true, context });
      const slow503 = [...answered, ...during(o, result.reads)].filter((a) => a.outcome === 503 && a.ms > quickMs).length;
      expect({ label: o.label, slow503, context }).toEqual({ label: o.label, slow503: 0, context });
      expect({ label: o.label, health: [...new Set(o.health.statuses)], context }).toEqual({ label: o.label, health: [503], context });
      // Within its pools, whatever the request rate (before the fix: EMFILE, then `too many
      // clients`). Descriptors: those at the start, the database's, and one per HTTP client.
      const httpClients = CONCURRENCY + 1 + 1 + BURST;
      expect({ label: o.label, within: o.maxDbSockets <= DB_CONNECTIONS_BOUND && o.maxFds <= result.startFds + DB_CONNECTIONS_BOUND + httpClients, context }).toEqual({
        label: o.label,
        within: true,
        context,
      });
      // Back by themselves within seconds.
      expect({ label: o.label, recovered: o.recoveredMs >= 0 && o.loggerRecoveredMs >= 0, context }).toEqual({ label: o.label, recovered: true, context });
    }
    expect({ maxDbSockets: result.maxDbSocketsEver <= DB_CONNECTIONS_BOUND, context }).toEqual({ maxDbSockets: true, context });
    // The whole of each one's output, not only its last lines.
    for (const p of [apiProcess, loggerProcess])
      expect(
        readFileSync(p.logFile, 'utf8')
          .split('\n')
          .filter((l) => /EMFILE|too many clients|Unhandled 'error'|uncaught/i.test(l)),
      ).toEqual([]);

    // Every lead answered 201 is kept; every lead committed (a 503 may have been too, if
    // the line died after the commit) is published and logged exactly once.
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      await expectEveryLeadLoggedOnce(
        db,
        result.prefix,
        answers.filter((a) => a.outcome === 201).map((a) => a.id!),
      );
    } finally {
      await db.end();
    }
  }

  /** Both apps on this file's database, each through a proxy of its own. */
  async function proxiedApps() {
    const pg = new URL(stack.databaseUrl);
    const lines: TcpProxy[] = [];
    for (let i = 0; i < 2; i++) {
      const p = await createProxy(pg.hostname, Number(pg.port || 5432));
      closers.push(() => p.close());
      lines.push(p);
    }
    const loggerProcess = await started(startLogger({ ...stack.env, DATABASE_URL: viaProxy(stack.databaseUrl, lines[1]) }));
    const apiProcess = await started(startApi({ ...stack.env, DATABASE_URL: viaProxy(stack.databaseUrl, lines[0]), DB_POOL_SIZE: String(POOL) }));
    return { lines, apiProcess, loggerProcess, dbPort: lines[0].port };
  }

  it("three 10 s proxy cuts of both apps' database (every connection dropped, new ones refused)", async () => {
    const apps = await proxiedApps();
    const result = await blips(
      apps,
      ['cut 1', 'cut 2', 'cut 3'],
      async () => apps.lines.forEach((l) => l.cut()),
      async () => apps.lines.forEach((l) => l.restore()),
    );
    await expectSurvivedAndRecovered(apps, result, stack.databaseUrl);
  });

  it('a silent network drop of 10 s (nothing closed or refused, no byte through): the timeouts answer 503, nothing hangs', async () => {
    const apps = await proxiedApps();
    const result = await blips(
      apps,
      ['stall'],
      async () => apps.lines.forEach((l) => l.stall()),
      async () => apps.lines.forEach((l) => l.restore()),
    );
    await expectSurvivedAndRecovered(apps, result, stack.databaseUrl, SILENT_DROP_503_MS);
  });

  it('a PostgreSQL restart under the same load (a private server: stopped fast, then as by a crash, 10 s each)', async () => {
    const server: PrivatePostgres = await startPrivatePostgres();
    closers.push(() => server.destroy());
    const databaseUrl = server.url('crm_blip');
    await migrate(databaseUrl);
    const env = { ...stack.env, DATABASE_URL: databaseUrl };
    const loggerProcess = await started(startLogger(env));
    const apiProcess = await started(startApi({ ...env, DB_POOL_SIZE: String(POOL) }));
    const apps = { apiProcess, loggerProcess, dbPort: server.port };

    const result = await blips(
      apps,
      ['stop -m fast', 'stop -m immediate'],
      (label) => server.stop(label.endsWith('fast') ? 'fast' : 'immediate'),
      () => server.start(),
    );
    try {
      await expectSurvivedAndRecovered(apps, result, databaseUrl);
    } catch (err) {
      (err as Error).message += `\n--- private server log ---\n${server.log()}`;
      throw err;
    }
  });
});
