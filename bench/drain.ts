import { connect } from 'amqplib';
import { Client } from 'pg';
import { EXCHANGE, LOGGER_DEAD_LETTER_QUEUE, LOGGER_QUEUE } from '@app/contracts';
import { assertTopology } from '../apps/activity-logger/src/transport/topology';
import { parseMetrics, scrapeMetrics } from '../test/kit/metrics';
import { publishConfirmed } from './lib/amqp';
import { cpuWindow, CpuWindow, rabbitmqPids } from './lib/cpu';
import { EventMix } from './lib/events';
import { log, sleep, until } from './lib/log';
import { App, startLogger } from './lib/procs';
import { BenchStack } from './lib/resources';

export interface DrainResult {
  loggers: number;
  events: number;
  /** Logs/s while draining: rows written between the first and the last batch's start. */
  logsPerS: number;
  /** Wall clock from spawning the logger(s) to the last row, startup included. */
  wallSeconds: number;
  batches: number;
  timedBatches: number;
  writtenBeforeReady: number;
  peakRssMb: number[];
  cpu: CpuWindow;
  memory: (Record<string, number> | null)[];
  publishPerS: number;
}

/**
 * A backlog of `n` valid events (the relay's exact messages) is published into the
 * logger's own queue, declared with the logger's own topology, while no logger runs.
 * Then `loggers` processes start and drain it. The rate comes from the database: every
 * batch is one transaction whose rows share logged_at (= now(), the transaction's start),
 * so rate = rows of all batches but those that started last / (last start − first start).
 * That leaves out process start-up and the connection to the broker, which a backlog
 * does not care about; the wall-clock time with start-up is kept beside it.
 */
export async function drain(
  stack: BenchStack,
  n: number,
  loggers: number,
  env: NodeJS.ProcessEnv = {},
  build?: { distDir: string; label: string; nodeFlags?: readonly string[] },
): Promise<DrainResult> {
  const db = new Client({ connectionString: stack.databaseUrl, application_name: 'bench drain' });
  await db.connect();
  const conn = await connect(stack.amqpUrl);
  const apps: App[] = [];
  try {
    const ch = await conn.createConfirmChannel();
    await assertTopology(conn, ch);
    await ch.purgeQueue(LOGGER_QUEUE);
    await ch.purgeQueue(LOGGER_DEAD_LETTER_QUEUE);
    await db.query('truncate activity.interaction_log');
    await db.query('checkpoint').catch(() => undefined); // not everyone may; it only evens out the runs

    const mix = new EventMix();
    const messages = Array.from({ length: n }, () => {
      const e = mix.next();
      const m = EventMix.message(e);
      return { exchange: EXCHANGE, routingKey: e.type, body: m.body, properties: m.properties };
    });
    const tp = process.hrtime.bigint();
    await publishConfirmed(ch, messages);
    const publishPerS = n / (Number(process.hrtime.bigint() - tp) / 1e9);
    const depth = (await ch.checkQueue(LOGGER_QUEUE)).messageCount;
    if (depth !== n) throw new Error(`drain: ${depth} events in ${LOGGER_QUEUE}, expected ${n}`);

    const t0 = Date.now();
    const started = await Promise.all(
      Array.from({ length: loggers }, (_, i) =>
        startLogger(
          { DATABASE_URL: stack.databaseUrl, AMQP_URL: stack.amqpUrl, ...env },
          `logger${build ? `-${build.label}` : ''}-${loggers}x-${i + 1}`,
          build?.distDir,
          build?.nodeFlags,
        ),
      ),
    );
    apps.push(...started);
    // Every logger answers ready: from here on all of them consume (start-up is a second
    // or two of CPU each, which would otherwise eat into the first one's drain).
    const readyAt = Date.now() / 1000;
    // Where the CPU goes from here to the end: the loggers, their database sessions, the
    // broker, and the whole machine (the rest is other work on it).
    const backendPids: number[] = [];
    const rabbit = rabbitmqPids();
    const cpu = cpuWindow({ loggers: () => apps.map((a) => a.pid), postgres: () => backendPids, rabbitmq: () => rabbit });
    const { rows: backends } = await db.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and application_name = 'activity-logger'`);
    backendPids.push(...backends.map((b) => b.pid));
    cpu.track();
    let last = -1;
    let lastChange = Date.now();
    const written = await until(
      `${n} logs from ${loggers} logger(s)`,
      async () => {
        const { rows } = await db.query<{ n: string }>('select count(*) as n from activity.interaction_log');
        const count = Number(rows[0].n);
        if (count !== last) {
          last = count;
          lastChange = Date.now();
        }
        if (count >= n) return count;
        const dead = (await ch.checkQueue(LOGGER_DEAD_LETTER_QUEUE)).messageCount;
        if (dead > 0) throw new Error(`${dead} events dead-lettered during the drain: the benchmark's events must all be valid`);
        if (Date.now() - lastChange > 60_000) throw new Error(`no progress for 60 s at ${count}/${n} logs`);
        for (const a of apps) if (await Promise.race([a.exited.then(() => true), sleep(0).then(() => false)])) throw new Error(`${a.name} exited:\n${a.output()}`);
        return undefined;
      },
      30 * 60_000,
      200,
    );
    const cpuUse = cpu.end();
    const wallSeconds = (Date.now() - t0) / 1000;
    const peakRssMb = apps.map((a) => a.peakRssMb());
    const memory = await Promise.all(apps.map((a) => heapBreakdown(a.url)));
    const { rows: batches } = await db.query<{ at: Date; n: string; s: number }>(
      `select logged_at as at, count(*) as n, extract(epoch from logged_at)::float8 as s
       from activity.interaction_log group by logged_at order by logged_at`,
    );
    if (batches.length < 2) throw new Error(`drain: only ${batches.length} batch(es); cannot time it`);
    const lastStart = batches[batches.length - 1].s;
    // The window opens at the first batch after every logger was ready, unless that
    // leaves too little of the drain to time (then at the very first batch).
    const afterReady = batches.filter((b) => b.s >= readyAt);
    const timed = afterReady.length >= 5 && afterReady.reduce((s, b) => s + Number(b.n), 0) >= n / 2 ? afterReady : batches;
    const first = timed[0].s;
    const rowsTimed = timed.filter((b) => b.s < lastStart).reduce((s, b) => s + Number(b.n), 0);
    const logsPerS = rowsTimed / (lastStart - first);
    const before = n - timed.reduce((s, b) => s + Number(b.n), 0);
    log(
      `drain ×${loggers}: ${written} logs in ${batches.length} batches (avg ${(n / batches.length).toFixed(0)} rows), ${logsPerS.toFixed(0)} logs/s ` +
        `over ${timed.length} batches${before ? ` (${before} logs written before all were ready left out)` : ''}; wall ${wallSeconds.toFixed(1)} s with start-up; ` +
        `peak RSS ${peakRssMb.map((m) => m.toFixed(0)).join('/')} MB`,
    );
    const c = cpuUse.groups;
    log(
      `drain ×${loggers} CPU over ${(cpuUse.wallMs / 1000).toFixed(1)} s: loggers ${(c.loggers / 1000).toFixed(1)} s, their PostgreSQL sessions ${(c.postgres / 1000).toFixed(1)} s, ` +
        `RabbitMQ ${(c.rabbitmq / 1000).toFixed(1)} s; whole machine ${(cpuUse.machineBusyMs / 1000).toFixed(1)} of ${(cpuUse.machineTotalMs / 1000).toFixed(1)} s`,
    );
    return {
      cpu: cpuUse,
      loggers,
      events: n,
      logsPerS,
      wallSeconds,
      batches: batches.length,
      timedBatches: timed.length,
      writtenBeforeReady: before,
      peakRssMb,
      memory,
      publishPerS,
    };
  } finally {
    await Promise.all(apps.map((a) => a.stop()));
    await conn.close().catch(() => undefined);
    await db.end();
  }
}

const MEMORY_TOTALS = ['process_resident_memory_bytes', 'nodejs_heap_size_total_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_external_memory_bytes'];

/** Where the memory is, from the logger's /metrics (prom-client's default process and heap metrics), in MB. */
export async function heapBreakdown(url: string): Promise<Record<string, number> | null> {
  try {
    const out: Record<string, number> = {};
    for (const { name, labels, value } of parseMetrics(await scrapeMetrics(url, { timeoutMs: 2_000 }))) {
      const space = name === 'nodejs_heap_space_size_total_bytes' ? /^space="(\w+)"$/.exec(labels)?.[1] : undefined;
      if (space) out[`heap_space_${space}`] = Math.round(value / 2 ** 20);
      else if (!labels && MEMORY_TOTALS.includes(name)) out[name.replace(/_bytes$/, '')] = Math.round(value / 2 ** 20);
    }
    return Object.keys(out).length ? out : null;
  } catch {
    return null;
  }
}
