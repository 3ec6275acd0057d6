/**
 * Interleaved A/B of crm-api's writes (issue 11, "the cost of a write"): two builds of
 * crm-api (A: BENCH_A_DIST, a copy of an earlier `dist/` kept inside the repository so it
 * finds node_modules, e.g. `.bench/dist-a`; B: `dist/`) on one database and vhost, with one
 * logger (from `dist/`) running and keeping up. For each write — `POST /api/leads/`, a
 * lead's status and an opportunity's stage changed by PATCH (over BENCH_AB_RECORDS records
 * of each, taken in turn) — alternating blocks (A B, B A, …) of BENCH_AB_SECONDS of
 * closed-loop load at BENCH_AB_CONNECTIONS connections, BENCH_AB_BLOCKS per build. Each
 * block's CPU (/proc) runs until the logger has written a log per accepted write:
 * crm-api (both processes: their relays race for the outbox), PostgreSQL (every session of
 * the database), RabbitMQ, logger. Prints a markdown table for docs/benchmarks.md.
 *
 *   npm run build && mkdir -p .bench && cp -r dist .bench/dist-a   # before the change, then rebuild
 *   BENCH_A_DIST=.bench/dist-a node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/write-ab.ts
 *   (defaults: BENCH_AB_WRITES=post,patch.lead,patch.opp BENCH_AB_BLOCKS=8 BENCH_AB_SECONDS=3
 *    BENCH_AB_CONNECTIONS=16 BENCH_AB_RECORDS=2000 BENCH_AB_WARMUP=500 requests, not counted, per build and write)
 */
import os from 'node:os';
import { resolve } from 'node:path';
import { ROOT } from './lib/config';
import { HttpClient } from './lib/http';
import { log } from './lib/log';
import { App, runOnce, startApi, startLogger, stopAll } from './lib/procs';
import { createStack, destroyStack } from './lib/resources';
import { median } from './lib/stats';
import { measureWrite, settled, Write, WRITE_LABEL, WRITES, WriteTargets } from './writes';

const int = (name: string, def: number) => (process.env[name] ? Number.parseInt(process.env[name], 10) : def);
const BLOCKS = int('BENCH_AB_BLOCKS', 8);
const SECONDS = int('BENCH_AB_SECONDS', 3);
const CONNECTIONS = int('BENCH_AB_CONNECTIONS', 16);
const RECORDS = int('BENCH_AB_RECORDS', 2000);
const WARMUP = int('BENCH_AB_WARMUP', 500);
const WANTED = (process.env.BENCH_AB_WRITES ?? WRITES.join(',')).split(',') as Write[];

type Side = 'A' | 'B';
interface Tally {
  requests: number;
  seconds: number;
  p50: number[];
  p99: number[];
  cpuMs: Record<string, number>;
  blockTotalUs: number[];
}

const load = () => os.loadavg()[0].toFixed(2);

async function main() {
  const aDist = process.env.BENCH_A_DIST;
  if (!aDist) throw new Error('BENCH_A_DIST: the directory of the A build (a copy of dist/ inside the repository)');
  const stack = await createStack();
  try {
    const env = { DATABASE_URL: stack.databaseUrl, AMQP_URL: stack.amqpUrl };
    await runOnce('crm-api', ['migrate'], env);
    await runOnce('activity-logger', ['migrate'], env);
    const apis: Record<Side, App> = { A: await startApi(env, 'crm-api-A', resolve(ROOT, aDist)), B: await startApi(env, 'crm-api-B') };
    const logger = await startLogger(env, 'logger');
    const via = [new HttpClient(apis.A.url, 8), new HttpClient(apis.B.url, 8)]; // 16 seeding workers: no socket left idle to time out
    const token = await via[0].login();
    for (const c of via) c.token = token;
    const targets = await WriteTargets.seed(via, RECORDS);
    for (const c of via) c.close();
    const apps = { apiA: apis.A, apiB: apis.B, logger };
    const run = (side: Side, write: Write, seconds: number, label: string) =>
      measureWrite(targets, write, { apiUrl: apis[side].url, token, databaseUrl: stack.databaseUrl, loggerUrl: logger.url, apps, connections: CONNECTIONS, seconds, label });
    const rows: string[] = [];
    const verdicts: string[] = [];
    const loadAtStart = load();
    for (const write of WANTED) {
      await settled(apis.B.url, logger.url);
      // Warm-up by count, not time: on a loaded machine a few seconds are a few dozen requests, too few for the JIT.
      for (const side of ['A', 'B'] as const) for (let n = 0; n < WARMUP;) n += (await run(side, write, 1, `${write} ${side} warm-up`)).total;
      const t: Record<Side, Tally> = {
        A: { requests: 0, seconds: 0, p50: [], p99: [], cpuMs: {}, blockTotalUs: [] },
        B: { requests: 0, seconds: 0, p50: [], p99: [], cpuMs: {}, blockTotalUs: [] },
      };
      for (let block = 0; block < BLOCKS; block++) {
        for (const side of block % 2 ? (['B', 'A'] as const) : (['A', 'B'] as const)) {
          await settled(apis.B.url, logger.url);
          const r = await run(side, write, SECONDS, `${write} ${side} block ${block + 1}/${BLOCKS}`);
          const s = t[side];
          s.requests += r.total;
          s.seconds += r.total / r.reqPerS;
          s.p50.push(r.p50Ms);
          s.p99.push(r.p99Ms);
          for (const [k, ms] of Object.entries(r.cpu.groups)) s.cpuMs[k] = (s.cpuMs[k] ?? 0) + ms;
          s.blockTotalUs.push(r.totalUs);
        }
      }
      const us = (s: Tally, ...keys: string[]) => (keys.reduce((a, k) => a + (s.cpuMs[k] ?? 0), 0) * 1000) / s.requests;
      const whole = (s: Tally) => us(s, 'apiA', 'apiB', 'postgres', 'rabbitmq', 'logger');
      for (const side of ['A', 'B'] as const) {
        const s = t[side];
        rows.push(
          `| ${WRITE_LABEL[write]} | ${side} | ${(s.requests / s.seconds).toFixed(0)} | ${median(s.p50).toFixed(1)} | ${median(s.p99).toFixed(1)} | ` +
            `${us(s, 'apiA', 'apiB').toFixed(0)} (${us(s, `api${side}`).toFixed(0)}) | ${us(s, 'postgres').toFixed(0)} | ${us(s, 'rabbitmq').toFixed(0)} | ${us(s, 'logger').toFixed(0)} | ` +
            `${whole(s).toFixed(0)} (${Math.min(...s.blockTotalUs)}–${Math.max(...s.blockTotalUs)}) |`,
        );
      }
      verdicts.push(
        `${WRITE_LABEL[write]}: B/A whole-system CPU per write ${(whole(t.B) / whole(t.A)).toFixed(3)}, crm-api ${(us(t.B, 'apiA', 'apiB') / us(t.A, 'apiA', 'apiB')).toFixed(3)}`,
      );
    }
    const out = [
      `${BLOCKS} blocks of ${SECONDS} s per build and write, alternating (A B, B A, …), ${CONNECTIONS} connections, ${RECORDS} records per PATCH; ` +
        `1-min load ${loadAtStart} at the start, ${load()} at the end (${os.cpus().length} cores). CPU per accepted write in µs, counted until the logger had logged every write of the block.`,
      '',
      '| write | build | req/s | p50 ms (median of blocks) | p99 ms (median of blocks) | crm-api, both processes (serving one) | PostgreSQL | RabbitMQ | logger | whole system (min–max of blocks) |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
      ...verdicts.map((v) => `- ${v}`),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    log(`RSS: A ${apis.A.rssMb().toFixed(0)} MB, B ${apis.B.rssMb().toFixed(0)} MB, logger ${logger.rssMb().toFixed(0)} MB`);
  } finally {
    await stopAll();
    await destroyStack(stack);
  }
}

void main().catch((e: Error) => {
  console.error(e);
  process.exitCode = 1;
});
