import { Client } from 'pg';
import { cpuWindow, CpuWindow, rabbitmqPids } from './cpu';
import { log } from './log';

/** The database sessions of the bench database (all of them: crm-api's pool, relay, logger), for CPU accounting. */
export async function backendsOf(databaseUrl: string): Promise<number[]> {
  const c = new Client({ connectionString: databaseUrl, application_name: 'bench cpu' });
  await c.connect();
  try {
    const { rows } = await c.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    return rows.map((r) => r.pid);
  } finally {
    await c.end();
  }
}

/**
 * A CPU window over the whole write path: each app process given (by name), every
 * PostgreSQL session of the bench database (those opened during the window too: they are
 * looked up again at its end) and RabbitMQ (`beam.smp`).
 */
export async function stackCpu(databaseUrl: string, apps: Record<string, { pid: number }>) {
  const pg: number[] = await backendsOf(databaseUrl);
  const rabbit = rabbitmqPids();
  const groups: Record<string, () => number[]> = { postgres: () => pg, rabbitmq: () => rabbit };
  for (const [k, a] of Object.entries(apps)) groups[k] = () => [a.pid];
  const w = cpuWindow(groups);
  return {
    async end(): Promise<CpuWindow> {
      for (const p of await backendsOf(databaseUrl)) if (!pg.includes(p)) pg.push(p);
      return w.end();
    },
  };
}

/** CPU µs per request of each group (NaN for no request), and the share of the machine everything else took. */
export function perRequest(cpu: CpuWindow, requests: number) {
  const perRequestUs = Object.fromEntries(Object.entries(cpu.groups).map(([k, ms]) => [k, requests ? Math.round((ms * 1000) / requests) : NaN]));
  const ours = Object.values(cpu.groups).reduce((a, b) => a + b, 0);
  const othersShare = Math.max(0, cpu.machineBusyMs - ours) / cpu.machineTotalMs;
  return { perRequestUs, othersShare };
}

/**
 * Runs `fn` (then `settle`, e.g. waiting for the logger to catch up, still inside the
 * window) and says how much CPU crm-api, the logger, PostgreSQL and RabbitMQ used per
 * request meanwhile.
 */
export async function withCpu<T extends { total: number }>(databaseUrl: string, apps: Record<string, { pid: number }>, fn: () => Promise<T>, settle?: (r: T) => Promise<void>) {
  const w = await stackCpu(databaseUrl, apps);
  const result = await fn();
  if (settle) await settle(result);
  const cpu = await w.end();
  const { perRequestUs, othersShare } = perRequest(cpu, result.total);
  log(
    `  CPU per request: ${Object.entries(perRequestUs)
      .map(([k, v]) => `${k} ${v} µs`)
      .join(', ')}; everything else took ${(othersShare * 100).toFixed(0)} % of the machine`,
  );
  return { ...result, cpu, perRequestUs, othersShare };
}
