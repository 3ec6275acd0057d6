/**
 * Interleaved A/B of the logger's drain: two builds of the activity-logger (A:
 * BENCH_A_DIST, a copy of an earlier `dist/` kept inside the repository so it finds
 * node_modules, e.g. `.bench/dist-a`; B: `dist/`, or BENCH_B_DIST) drain the same
 * BENCH_BACKLOG-event backlog (bench/drain.ts, one logger) in alternating order, round
 * after round (BENCH_RUNS), with the raw 500-row insert (bench/raw-db.ts) timed in each
 * round for the ratio. Per side: the logger's CPU per log (/proc), logs/s, the ratio to
 * the round's raw insert and the peak RSS (VmHWM). BENCH_A_NODE_OPTIONS /
 * BENCH_B_NODE_OPTIONS run one side with other V8 flags (the same build on both sides
 * then compares flags); BENCH_A_NODE_FLAGS / BENCH_B_NODE_FLAGS replace the logger's own
 * node flags (scripts/lib/node-flags.js) on the command line, space-separated, empty for
 * none: the A/B of those flags themselves. BENCH_A_ENV / BENCH_B_ENV add variables to one
 * side's logger (`LOGGER_PREFETCH=2000 LOGGER_WRITERS=3`: settings compared on one build).
 * BENCH_C_DIST (and BENCH_C_NODE_OPTIONS, BENCH_C_NODE_FLAGS, BENCH_C_ENV) adds a third
 * side, the order rotating round by round.
 *
 *   cp -r dist .bench/dist-a   # before the change, then rebuild
 *   BENCH_A_DIST=.bench/dist-a node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/drain-ab.ts
 */
import { loadavg } from 'node:os';
import { drain, DrainResult } from './drain';
import { rawDb } from './raw-db';
import { CONFIG } from './lib/config';
import { log } from './lib/log';
import { runOnce, stopAll } from './lib/procs';
import { abBuilds, medianRange, Side } from './lib/ab-builds';
import { createStack, destroyStack } from './lib/resources';

interface Round {
  cpuUsPerLog: number;
  logsPerS: number;
  ratio: number;
  peakRssMb: number;
  memory: Record<string, number> | null;
}

async function main() {
  const { dists, sides, nodeOptions, nodeFlags, label } = abBuilds();
  // NAME=value pairs, space-separated.
  const sideEnv = (side: Side): NodeJS.ProcessEnv =>
    Object.fromEntries(
      (process.env[`BENCH_${side}_ENV`] ?? '')
        .split(/\s+/)
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
  const rounds = CONFIG.runs;
  const got: Record<Side, Round[]> = Object.fromEntries(sides.map((side) => [side, []]));
  const stack = await createStack();
  try {
    const env = { DATABASE_URL: stack.databaseUrl, AMQP_URL: stack.amqpUrl };
    await runOnce('activity-logger', ['migrate'], env);
    // A first drain, not counted: the table's and the broker's first-use costs.
    await drain(stack, CONFIG.backlog, 1, {}, { distDir: dists.B, label: 'warmup' });
    for (let i = 0; i < rounds; i++) {
      const raw = await rawDb(stack.databaseUrl, CONFIG.rawDbRows, CONFIG.batchSize, 1);
      const order = [...sides.slice(i % sides.length), ...sides.slice(0, i % sides.length)];
      for (const side of order) {
        const opts = nodeOptions(side);
        const d: DrainResult = await drain(
          stack,
          CONFIG.backlog,
          1,
          { ...sideEnv(side), ...(opts ? { NODE_OPTIONS: opts } : {}) },
          { distDir: dists[side], label: side, nodeFlags: nodeFlags(side) },
        );
        const r: Round = {
          cpuUsPerLog: (d.cpu.groups.loggers * 1000) / d.events,
          logsPerS: d.logsPerS,
          ratio: d.logsPerS / raw.rowsPerS,
          peakRssMb: d.peakRssMb[0],
          memory: d.memory[0],
        };
        got[side].push(r);
        log(
          `round ${i + 1}/${rounds} ${side}: ${r.cpuUsPerLog.toFixed(1)} µs CPU/log, ${r.logsPerS.toFixed(0)} logs/s, ${r.ratio.toFixed(2)} × raw (${raw.rowsPerS.toFixed(0)} rows/s), ` +
            `peak RSS ${r.peakRssMb.toFixed(0)} MB; at the end ${JSON.stringify(r.memory)}; load ${loadavg()[0].toFixed(2)}`,
        );
      }
    }
    console.log(`| build | logger CPU per log | drain | drain / raw insert | peak RSS |`);
    console.log(`| --- | --- | --- | --- | --- |`);
    for (const side of sides) {
      const g = got[side];
      console.log(
        `| ${label(side, process.env[`BENCH_${side}_ENV`])} | ${medianRange(
          g.map((r) => r.cpuUsPerLog),
          1,
        )} µs | ${medianRange(
          g.map((r) => r.logsPerS),
          0,
        )} logs/s | ${medianRange(
          g.map((r) => r.ratio),
          2,
        )} × | ${medianRange(
          g.map((r) => r.peakRssMb),
          0,
        )} MB |`,
      );
    }
    console.log(`${rounds} rounds of ${CONFIG.backlog} events each, medians (min–max); 1-min load average at the end ${loadavg()[0].toFixed(2)}`);
  } finally {
    await stopAll();
    await destroyStack(stack);
  }
}

void main().catch((e: Error) => {
  console.error(e);
  process.exitCode = 1;
});
