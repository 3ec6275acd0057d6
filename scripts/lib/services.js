'use strict';
// Makes sure the local PostgreSQL and RabbitMQ answer, starting each with the machine's
// own command only when it is not running at all. It never stops or restarts a service.
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');

const DEFAULT_DB = 'postgres://postgres@127.0.0.1:5432/postgres';
const DEFAULT_AMQP = 'amqp://guest:guest@127.0.0.1:5672';

function reachable(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitReachable(host, port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await reachable(host, port)) return true;
    await sleep(500);
  }
  return false;
}

function hostPort(url, defaultPort) {
  const u = new URL(url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || defaultPort) };
}

const isLocal = (host) => ['127.0.0.1', 'localhost', '::1'].includes(host);

function run(cmd, args, log) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', timeout: 120_000 });
  return r.status === 0;
}

function postgresRunning() {
  // pg_lsclusters prints one row per cluster with its status ("online" when running).
  try {
    return /\bonline\b/.test(execFileSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
}

function rabbitRunning() {
  // The broker's Erlang VM answers `rabbitmqctl ping` while it is up (even still booting).
  return spawnSync('rabbitmqctl', ['ping'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

async function ensurePostgres(url, log) {
  const { host, port } = hostPort(url, 5432);
  if (await reachable(host, port)) return;
  if (!isLocal(host)) throw new Error(`PostgreSQL at ${host}:${port} does not answer`);
  if (!postgresRunning()) {
    const version = fs.readdirSync('/etc/postgresql')[0];
    log(`PostgreSQL is not running: starting cluster ${version}/main`);
    run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], log);
  }
  if (!(await waitReachable(host, port, 60_000))) throw new Error(`PostgreSQL did not answer on ${host}:${port} within 60 s`);
  log(`PostgreSQL answers on ${host}:${port}`);
}

async function ensureRabbit(url, log) {
  const { host, port } = hostPort(url, 5672);
  if (await reachable(host, port)) return;
  if (!isLocal(host)) throw new Error(`RabbitMQ at ${host}:${port} does not answer`);
  if (!rabbitRunning()) {
    log('RabbitMQ is not running: starting it');
    run('rabbitmq-server', ['-detached'], log);
  }
  run('rabbitmqctl', ['--timeout', '120', 'await_startup'], log);
  if (!(await waitReachable(host, port, 120_000))) throw new Error(`RabbitMQ did not answer on ${host}:${port} within 120 s`);
  log(`RabbitMQ answers on ${host}:${port}`);
}

/** Resolves once both answer; rejects naming the one that does not. */
async function ensureServices({ env = process.env, log = (m) => console.error(`[services] ${m}`) } = {}) {
  await ensurePostgres(env.DATABASE_URL || DEFAULT_DB, log);
  // A cluster's list (AMQP_URL may name several nodes): the first must answer here.
  await ensureRabbit((env.AMQP_URL || DEFAULT_AMQP).split(',')[0].trim(), log);
}

module.exports = { ensureServices, reachable };
