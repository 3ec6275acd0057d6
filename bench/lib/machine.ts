import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { rabbitmqctl, withServer } from './resources';

/** What the figures were measured on: they mean little without it. */
export async function machine() {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    /* not Linux */
  }
  const pg = await withServer(async (c) => {
    const { rows } = await c.query<{ server_version: string }>('show server_version');
    const settings = await c.query<{ name: string; setting: string; unit: string | null }>(
      `select name, setting, unit from pg_settings where name in ('shared_buffers','synchronous_commit','fsync','max_wal_size','wal_level','work_mem','jit')`,
    );
    return { version: rows[0].server_version, settings: Object.fromEntries(settings.rows.map((r) => [r.name, `${r.setting}${r.unit ? ` ${r.unit}` : ''}`])) };
  }).catch((e) => ({ version: `unknown (${(e as Error).message})`, settings: {} }));
  const rabbit = await rabbitmqctl(['version']).then(
    (v) => v.trim(),
    () => 'unknown',
  );
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    /* not a checkout */
  }
  return {
    date: new Date().toISOString(),
    commit,
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpuModel,
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: pg.version,
    postgresSettings: pg.settings,
    rabbitmq: rabbit,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
