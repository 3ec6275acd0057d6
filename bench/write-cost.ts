/**
 * Where PostgreSQL's CPU per write goes (issue 11): a crm-api (BENCH_DIST, `dist/` by
 * default, migrated by that build) and a logger under one write of bench/writes.ts
 * (BENCH_WRITE, `post` by default), counted until the logger has logged every write.
 * Prints the CPU per write of each process, of each database session grouped by its
 * application_name (the request pool, the relay's pool, each LISTEN, the logger), and,
 * when the server preloads pg_stat_statements (the shared one does not: point BENCH_PG_URL
 * at a server of your own that does), each statement's calls, rows and time per write.
 * With BENCH_A_DIST, an interleaved A/B: A and B each on a stack of their own (database,
 * vhost, logger), so builds whose migrations differ compare (write-ab.ts shares one),
 * BENCH_AB_BLOCKS alternating blocks (A B, B A, …) of BENCH_AB_SECONDS each;
 * BENCH_A_NODE_FLAGS / BENCH_B_NODE_FLAGS replace crm-api's node flags on that side.
 *
 *   BENCH_PG_URL=postgres://postgres@127.0.0.1:5499/postgres BENCH_A_DIST=.bench/dist-a \
 *     node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/write-cost.ts
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { sideNodeFlags } from './lib/ab-builds';
import { cpuWindow } from './lib/cpu';
import { ROOT } from './lib/config';
import { HttpClient } from './lib/http';
import { runOnce, startApi, startLogger, stopAll } from './lib/procs';
import { createStack, destroyStack } from './lib/resources';
import { measureWrite, settled, Write, WriteTargets } from './writes';

const int = (name: string, def: number) => (process.env[name] ? Number.parseInt(process.env[name], 10) : def);

/** The bench database's sessions by application_name (pids seen once are kept: a session that ended still counts). */
async function sessions(c: Client, seen: Map<number, string>) {
  const { rows } = await c.query<{ pid: number; app: string }>(
    `select pid, application_name as app from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
  );
  for (const r of rows) if (!seen.has(r.pid)) seen.set(r.pid, r.app || '(none)');
  return seen;
}

/** One build on a stack of its own, seeded and warmed up; `block()` measures one load of the write. */
async function side(name: string, dist: string | undefined, write: Write) {
  const stack = await createStack();
  const db = new Client({ connectionString: stack.databaseUrl, application_name: 'bench write-cost' });
  const env = { DATABASE_URL: stack.databaseUrl, AMQP_URL: stack.amqpUrl };
  // Migrated by the build measured (runOnce runs dist/'s).
  execFileSync(process.execPath, [join(dist ?? join(ROOT, 'dist'), 'apps', 'crm-api', 'main.js'), 'migrate'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'ignore' });
  await runOnce('activity-logger', ['migrate'], env);
  // BENCH_<side>_NODE_FLAGS: crm-api's node flags for that side (its own when unset).
  const api = await startApi(env, `crm-api-${name}`, dist, sideNodeFlags(name));
  const logger = await startLogger(env, `logger-${name}`);
  const http = new HttpClient(api.url, 16);
  const token = await http.login();
  const targets = await WriteTargets.seed([http], int('BENCH_AB_RECORDS', 500));
  http.close();
  await db.connect();
  // The extension can be created where the server does not preload it; then its first read fails.
  const statements = await db
    .query('create extension if not exists pg_stat_statements')
    .then(() => db.query('select pg_stat_statements_reset()'))
    .then(
      () => true,
      () => false,
    );
  const run = (seconds: number, label: string) =>
    measureWrite(targets, write, {
      apiUrl: api.url,
      token,
      databaseUrl: stack.databaseUrl,
      loggerUrl: logger.url,
      apps: { api, logger },
      connections: int('BENCH_AB_CONNECTIONS', 16),
      seconds,
      label,
    });
  await run(2, `${name} warm-up`);
  if (statements) await db.query('select pg_stat_statements_reset()');
  const seen = new Map<number, string>();
  const total = { writes: 0, seconds: 0, cpu: {} as Record<string, number>, sessions: {} as Record<string, number> };
  const add = (to: Record<string, number>, from: Record<string, number>) => Object.entries(from).forEach(([k, v]) => (to[k] = (to[k] ?? 0) + v));
  return {
    async block(label: string) {
      await settled(api.url, logger.url);
      await sessions(db, seen);
      const groups: Record<string, () => number[]> = {};
      for (const app of new Set(seen.values())) groups[app] = () => [...seen].filter(([, a]) => a === app).map(([p]) => p);
      const w = cpuWindow(groups);
      const r = await run(int('BENCH_AB_SECONDS', 5), label);
      add(total.sessions, w.end().groups);
      add(total.cpu, r.cpu.groups);
      total.writes += r.total;
      total.seconds += r.total / r.reqPerS;
    },
    async report() {
      const per = (ms: number) => `${((ms * 1000) / total.writes).toFixed(0)} µs`;
      console.log(
        `${name}: ${total.writes} writes, ${(total.writes / total.seconds).toFixed(0)} req/s; CPU per write: ${Object.entries(total.cpu)
          .map(([k, v]) => `${k} ${per(v)}`)
          .join(', ')}`,
      );
      console.log(
        `  PostgreSQL by session: ${Object.entries(total.sessions)
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => `${k} ${per(v)}`)
          .join(', ')}`,
      );
      if (!statements) return;
      const { rows } = await db.query<{ query: string; calls: string; rows: string; exec: number; plan: number }>(
        `select regexp_replace(query, '\\s+', ' ', 'g') as query, calls, rows, total_exec_time as exec, total_plan_time as plan
           from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database()) and query not like '%pg_stat%'
           order by total_exec_time + total_plan_time desc limit 8`,
      );
      console.log(`  pg_stat_statements (server wall time per write, of which planning; calls per 100 writes), warm-up and settling included:`);
      for (const s of rows)
        console.log(
          `  ${(((s.exec + s.plan) * 1000) / total.writes).toFixed(1).padStart(6)} µs (plan ${((s.plan * 1000) / total.writes).toFixed(1)})  calls ${((100 * Number(s.calls)) / total.writes).toFixed(1).padStart(6)}  ${s.query.slice(0, 110)}`,
        );
    },
    async close() {
      await db.end().catch(() => undefined);
      await destroyStack(stack);
    },
  };
}

async function main() {
  const write = (process.env.BENCH_WRITE ?? 'post') as Write;
  const dir = (v: string | undefined) => (v ? resolve(ROOT, v) : undefined);
  const sides: Awaited<ReturnType<typeof side>>[] = [];
  try {
    if (process.env.BENCH_A_DIST) sides.push(await side('A', dir(process.env.BENCH_A_DIST), write));
    sides.push(await side(sides.length ? 'B' : 'build', dir(process.env.BENCH_DIST), write));
    const blocks = sides.length > 1 ? int('BENCH_AB_BLOCKS', 6) : 1;
    for (let b = 0; b < blocks; b++) for (const s of b % 2 ? [...sides].reverse() : sides) await s.block(`block ${b + 1}/${blocks}`);
    console.log(
      `${write}, ${blocks} block(s) of ${int('BENCH_AB_SECONDS', 5)} s, ${int('BENCH_AB_CONNECTIONS', 16)} connections; 1-min load ${os.loadavg()[0].toFixed(1)} at the end`,
    );
    for (const s of sides) await s.report();
  } finally {
    await stopAll();
    for (const s of sides) await s.close().catch((e: Error) => console.error(e.message));
  }
}

void main().catch((e: Error) => {
  console.error(e);
  process.exitCode = 1;
});
