import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { OUT_DIR } from './config';
import { log } from './log';

/**
 * The benchmark's own database and RabbitMQ virtual host, both named crm_bench_<random>.
 * Each run writes .bench/runs/<name>.json (with its pid) BEFORE creating anything, and
 * removes it after dropping both: a run killed outright (SIGKILL, power) is swept by the
 * next run, which drops the resources of every record whose process is gone. Nothing
 * else is ever dropped: other engineers' databases and vhosts have other names.
 */
const RUNS_DIR = join(OUT_DIR, 'runs');
const SERVER_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BROKER_URL = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export interface BenchStack {
  name: string;
  databaseUrl: string;
  amqpUrl: string;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function rabbitmqctl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('rabbitmqctl', ['--quiet', ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`rabbitmqctl ${args.join(' ')} failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}

export async function withServer<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: SERVER_URL, application_name: 'crm bench' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function urlFor(base: string, path: string) {
  const u = new URL(base);
  u.pathname = `/${encodeURIComponent(path)}`;
  return u.toString();
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

async function dropAll(name: string) {
  const errors: string[] = [];
  await withServer((c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`)).catch((e) => errors.push(e.message));
  try {
    const vhosts = (await rabbitmqctl(['list_vhosts', 'name'])).split('\n').map((l) => l.trim());
    if (vhosts.includes(name)) await rabbitmqctl(['delete_vhost', name]);
  } catch (e) {
    errors.push((e as Error).message);
  }
  if (errors.length) throw new Error(`could not remove ${name}: ${errors.join('; ')}`);
}

/** Drops what earlier runs left behind when they died without cleaning up. */
export async function sweepStale() {
  mkdirSync(RUNS_DIR, { recursive: true });
  for (const file of readdirSync(RUNS_DIR)) {
    if (!file.endsWith('.json')) continue;
    let rec: { name: string; pid: number };
    try {
      rec = JSON.parse(readFileSync(join(RUNS_DIR, file), 'utf8'));
    } catch {
      continue;
    }
    if (alive(rec.pid) || !/^crm_bench_[0-9a-f]+$/.test(rec.name)) continue;
    log(`removing ${rec.name}, left behind by bench process ${rec.pid}`);
    await dropAll(rec.name).then(
      () => rmSync(join(RUNS_DIR, file), { force: true }),
      (e) => log(e.message),
    );
  }
}

export async function createStack(): Promise<BenchStack> {
  const name = `crm_bench_${randomBytes(5).toString('hex')}`;
  mkdirSync(RUNS_DIR, { recursive: true });
  writeFileSync(join(RUNS_DIR, `${name}.json`), JSON.stringify({ name, pid: process.pid, started: new Date().toISOString() }));
  await withServer((c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  await rabbitmqctl(['add_vhost', name]);
  await rabbitmqctl(['set_permissions', '-p', name, 'guest', '.*', '.*', '.*']);
  return { name, databaseUrl: urlFor(SERVER_URL, name), amqpUrl: urlFor(BROKER_URL, name) };
}

export async function destroyStack(stack: BenchStack) {
  await dropAll(stack.name);
  rmSync(join(RUNS_DIR, `${stack.name}.json`), { force: true });
}
