import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'pg';
import * as kit from '../../test/kit/resources';
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
const SERVER_URL = process.env.BENCH_PG_URL ?? kit.DEFAULT_SERVER_URL;
const BROKER_URL = process.env.BENCH_AMQP_URL ?? kit.DEFAULT_BROKER_URL;

export type BenchStack = kit.Stack;
const APPLICATION_NAME = 'crm bench';

export const rabbitmqctl = kit.rabbitmqctl;

export function withServer<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  return kit.withServer(SERVER_URL, fn, APPLICATION_NAME);
}

async function dropAll(name: string) {
  const errors: string[] = [];
  await kit.dropDatabase(SERVER_URL, name, APPLICATION_NAME).catch((e) => errors.push(e.message));
  await kit.deleteVhost(name).catch((e: Error) => errors.push(e.message));
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
    if (kit.alive(rec.pid) || !/^crm_bench_[0-9a-f]+$/.test(rec.name)) continue;
    log(`removing ${rec.name}, left behind by bench process ${rec.pid}`);
    await dropAll(rec.name).then(
      () => rmSync(join(RUNS_DIR, file), { force: true }),
      (e) => log(e.message),
    );
  }
}

export async function createStack(): Promise<BenchStack> {
  const name = kit.newName('crm_bench', 5);
  mkdirSync(RUNS_DIR, { recursive: true });
  writeFileSync(join(RUNS_DIR, `${name}.json`), JSON.stringify({ name, pid: process.pid, started: new Date().toISOString() }));
  return kit.createDatabaseAndVhost(name, { serverUrl: SERVER_URL, brokerUrl: BROKER_URL, applicationName: APPLICATION_NAME });
}

export async function destroyStack(stack: BenchStack) {
  await dropAll(stack.name);
  rmSync(join(RUNS_DIR, `${stack.name}.json`), { force: true });
}
