/**
 * Interleaved A/B of crm-api's feed pages: two builds of crm-api (A: BENCH_A_DIST, a copy
 * of an earlier `dist/` kept inside the repository so it finds node_modules, e.g.
 * `.bench/dist-a`; B: `dist/`) on the same database of BENCH_FEED_LOGS logs, answering
 * the same random pages in alternating blocks of 50, so both see the same machine: latency
 * and crm-api's CPU per request (/proc). Printed beside them: the page's SQL alone
 * (crm-api's FeedRepository from source) in the same run.
 *
 *   cp -r dist .bench/dist-a   # before the change, then rebuild
 *   BENCH_A_DIST=.bench/dist-a node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/feed-ab.ts
 */
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { pgSettings } from '@app/platform';
import { FEED_POOL_SETTINGS } from '../apps/crm-api/src/feed/feed.prepared';
import { FeedRepository } from '../apps/crm-api/src/feed/feed.repository';
import { feedPages, loadLogs, loadRollupRecords } from './feed';
import { CONFIG, ROOT } from './lib/config';
import { procCpuMs } from './lib/cpu';
import { HttpClient } from './lib/http';
import { log } from './lib/log';
import { runOnce, startApi, stopAll } from './lib/procs';
import { createStack, destroyStack } from './lib/resources';
import { latencyProfile } from './lib/stats';

const BLOCK = 50;
const fmt = (v: number[]) => {
  const p = latencyProfile(v);
  return `p50 ${p.p50.toFixed(2)} p90 ${p.p90.toFixed(2)} p99 ${p.p99.toFixed(2)} ms`;
};

async function main() {
  const aDist = process.env.BENCH_A_DIST;
  if (!aDist) throw new Error('BENCH_A_DIST: the directory of the A build (a copy of dist/ inside the repository)');
  const leads = CONFIG.feedLeads;
  const samples = CONFIG.feedSamples;
  const stack = await createStack();
  try {
    const env = { DATABASE_URL: stack.databaseUrl, AMQP_URL: stack.amqpUrl };
    await runOnce('crm-api', ['migrate'], env);
    await runOnce('activity-logger', ['migrate'], env);
    const a = await startApi(env, 'crm-api-A', resolve(ROOT, aDist));
    const b = await startApi(env, 'crm-api-B');
    const clients = { A: new HttpClient(a.url, 1), B: new HttpClient(b.url, 1) };
    for (const c of Object.values(clients)) c.token = await c.login();
    await loadLogs(stack.databaseUrl, CONFIG.feedLogs, leads);
    await loadRollupRecords(stack.databaseUrl, leads);
    const pool = new Pool({ connectionString: stack.databaseUrl, max: 1, options: pgSettings(FEED_POOL_SETTINGS) });
    const repo = new FeedRepository(pool);
    const pages = feedPages(repo, leads);
    try {
      for (const [name, page] of Object.entries(pages)) {
        const got: Record<'A' | 'B' | 'SQL', number[]> = { A: [], B: [], SQL: [] };
        const cpuMs = { A: 0, B: 0 };
        const pids = { A: a.pid, B: b.pid };
        for (let i = 0; i < 100; i++) for (const c of Object.values(clients)) await c.json('GET', page.http(), undefined, 200); // warm-up
        for (let block = 0; block < (2 * samples) / BLOCK; block++) {
          const order = block % 2 ? (['B', 'A', 'SQL'] as const) : (['A', 'B', 'SQL'] as const);
          for (const side of order) {
            const cpu0 = side === 'SQL' ? 0 : procCpuMs(pids[side]);
            for (let i = 0; i < BLOCK / 2; i++) {
              const t = performance.now();
              if (side === 'SQL') await page.sql();
              else await clients[side].json('GET', page.http(), undefined, 200);
              got[side].push(performance.now() - t);
            }
            if (side !== 'SQL') cpuMs[side] += procCpuMs(pids[side]) - cpu0;
          }
        }
        const perReq = (side: 'A' | 'B') => `${((cpuMs[side] * 1000) / got[side].length).toFixed(0)} µs CPU/req`;
        console.log(`${name}: A ${fmt(got.A)}, ${perReq('A')} | B ${fmt(got.B)}, ${perReq('B')} | SQL only ${fmt(got.SQL)} (${got.A.length} each)`);
      }
      log(`RSS: A ${a.rssMb().toFixed(0)} MB, B ${b.rssMb().toFixed(0)} MB`);
    } finally {
      await pool.end();
      for (const c of Object.values(clients)) c.close();
    }
  } finally {
    await stopAll();
    await destroyStack(stack);
  }
}

void main().catch((e: Error) => {
  console.error(e);
  process.exitCode = 1;
});
