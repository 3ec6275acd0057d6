/**
 * Interleaved A/B of the feed's CSV export (`GET /api/interaction-logs/export/?format=csv`
 * of every log, read as fast as the client can): two builds of crm-api (A: BENCH_A_DIST, a
 * copy of an earlier `dist/` kept inside the repository so it finds node_modules, e.g.
 * `.bench/dist-a`; B: `dist/`, or BENCH_B_DIST) on one database of BENCH_FEED_LOGS logs,
 * exporting in alternating order round after round (BENCH_RUNS). Each export runs on a
 * crm-api started for it, so every side starts from the same fresh process (as in
 * `npm run bench`'s feed part). Per export: rows per second, peak RSS (VmHWM), and where
 * the memory was at the highest RSS seen (heap, external: /metrics, sampled every 250 ms).
 * BENCH_A_NODE_OPTIONS / BENCH_B_NODE_OPTIONS run one side with other V8 flags (the same
 * build on both sides then compares flags; BENCH_<side>_NODE_FLAGS for V8 flags NODE_OPTIONS
 * refuses). BENCH_EXPORT_WRITES=1: a `POST /api/leads/` load (BENCH_API_CONNECTIONS,
 * autocannon, one logger draining it) runs against the same crm-api during the export, for
 * BENCH_API_SECONDS or until the export ends, whichever is later. BENCH_EXPORT_AFTER_WRITES=1:
 * that load runs before the export instead, as `npm run bench`'s write loads precede its
 * export (what a process has run shapes its heap: docs/benchmarks.md);
 * BENCH_EXPORTS_PER_PROCESS=n exports n times in a row on each crm-api (peak RSS over all).
 *
 *   cp -r dist .bench/dist-a   # before the change, then rebuild
 *   BENCH_A_DIST=.bench/dist-a BENCH_FEED_LOGS=300000 node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/feed-export-ab.ts
 */
import { loadavg } from 'node:os';
import { apiLoad } from './api-load';
import { heapBreakdown } from './drain';
import { exportThroughput, loadLogs } from './feed';
import { CONFIG } from './lib/config';
import { HttpClient } from './lib/http';
import { log } from './lib/log';
import { App, runOnce, startApi, startLogger, stopAll } from './lib/procs';
import { abBuilds, medianRange, Side } from './lib/ab-builds';
import { createStack, destroyStack } from './lib/resources';

interface Round {
  rowsPerS: number;
  peakRssMb: number;
  /** The /metrics sample (MB) taken when RSS was highest. */
  atPeak: Record<string, number> | null;
}

/** Samples crm-api's /metrics until stopped; keeps the sample with the highest RSS. */
function memorySampler(api: App) {
  let best: Record<string, number> | null = null;
  let running = true;
  const done = (async () => {
    while (running) {
      const m = await heapBreakdown(api.url);
      if (m && (!best || m.process_resident_memory > best.process_resident_memory)) best = m;
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return async () => {
    running = false;
    await done;
    return best;
  };
}

async function main() {
  const { dists, sides, nodeOptions, nodeFlags, label } = abBuilds();
  const writes = process.env.BENCH_EXPORT_WRITES === '1';
  const afterWrites = process.env.BENCH_EXPORT_AFTER_WRITES === '1';
  const exportsPerProcess = Number(process.env.BENCH_EXPORTS_PER_PROCESS ?? 1);
  const got: Record<Side, Round[]> = Object.fromEntries(sides.map((side) => [side, []]));
  const stack = await createStack();
  let logger: App | undefined;
  try {
    const env = { DATABASE_URL: stack.databaseUrl, AMQP_URL: stack.amqpUrl };
    await runOnce('crm-api', ['migrate'], env);
    await runOnce('activity-logger', ['migrate'], env);
    await loadLogs(stack.databaseUrl, CONFIG.feedLogs, CONFIG.feedLeads);
    if (writes || afterWrites) logger = await startLogger(env, 'logger');
    for (let i = 0; i < CONFIG.runs; i++) {
      const order = [...sides.slice(i % sides.length), ...sides.slice(0, i % sides.length)];
      for (const side of order) {
        const opts = nodeOptions(side);
        const api = await startApi({ ...env, ...(opts ? { NODE_OPTIONS: opts } : {}) }, `crm-api-${side}`, dists[side], nodeFlags(side));
        try {
          const http = new HttpClient(api.url, 1);
          const token = await http.login();
          http.close();
          const postLoad = (when: string) =>
            apiLoad({
              url: api.url,
              token,
              method: 'POST',
              path: '/api/leads/',
              body: { name: 'Export Load Lead', company: 'ACME Corp' },
              connections: CONFIG.apiConnections,
              seconds: CONFIG.apiSeconds,
              label: `POST ${when} export ${side}`,
            });
          if (afterWrites) await postLoad('before');
          const sampler = memorySampler(api);
          // VmHWM from here: the export's peak, not the write load's.
          api.resetPeak();
          const load = writes ? postLoad('during') : undefined;
          // BENCH_EXPORTS_PER_PROCESS exports in a row on this crm-api, as `npm run bench`'s
          // runs share one: what one leaves in the old generation meets the next. The last counts.
          let x = await exportThroughput(api.url, token, api);
          for (let n = 1; n < exportsPerProcess; n++) x = await exportThroughput(api.url, token, api);
          await load;
          const r: Round = { rowsPerS: x.rowsPerS, peakRssMb: api.peakRssMb(), atPeak: await sampler() };
          got[side].push(r);
          log(
            `round ${i + 1}/${CONFIG.runs} ${side}: ${r.rowsPerS.toFixed(0)} rows/s, peak RSS ${r.peakRssMb.toFixed(0)} MB; ` +
              `at the highest RSS sampled ${JSON.stringify(r.atPeak)}; load ${loadavg()[0].toFixed(2)}`,
          );
        } finally {
          await api.stop();
        }
      }
    }
    const at = (g: Round[], key: string) =>
      medianRange(
        g.map((r) => r.atPeak?.[key] ?? NaN),
        0,
      );
    console.log(`| build | rows/s | peak RSS | at the peak: heap total / used | external |`);
    console.log(`| --- | --- | --- | --- | --- |`);
    for (const side of sides) {
      const g = got[side];
      console.log(
        `| ${label(side)} | ${medianRange(
          g.map((r) => r.rowsPerS),
          0,
        )} | ${medianRange(
          g.map((r) => r.peakRssMb),
          0,
        )} MB | ${at(g, 'nodejs_heap_size_total')} / ${at(g, 'nodejs_heap_size_used')} MB | ${at(g, 'nodejs_external_memory')} MB |`,
      );
    }
    console.log(
      `${CONFIG.runs} rounds, ${CONFIG.feedLogs} logs${writes ? ', with a POST load' : ''}${afterWrites ? ', after a POST load' : ''}, medians (min–max); 1-min load average at the end ${loadavg()[0].toFixed(2)}`,
    );
  } finally {
    await logger?.stop();
    await stopAll();
    await destroyStack(stack);
  }
}

void main().catch((e: Error) => {
  console.error(e);
  process.exitCode = 1;
});
