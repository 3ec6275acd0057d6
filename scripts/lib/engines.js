'use strict';
// What the private engines (rabbit-cluster.js, pg-replica.js) share: free ports, a
// temporary directory the engine's own user can write, and running a command as that
// user. PostgreSQL refuses to run as root and RabbitMQ's files belong to `rabbitmq`:
// when we are root the engines run as their user (runuser), otherwise as whoever we are.
const { execFile, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const isRoot = () => process.getuid?.() === 0;

/** A TCP port nobody listens on right now (the OS picks it). */
async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A fresh temporary directory, owned by `user` when we are root (so the engine can write it). */
function tempDirFor(user, prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', user]).toString());
    const gid = Number(execFileSync('id', ['-g', user]).toString());
    fs.chownSync(dir, uid, gid);
  }
  return dir;
}

/** [command, args] running `cmd` as `user` (root) or as ourselves, with `env` set explicitly. */
function asUser(user, cmd, args, env = {}) {
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  if (isRoot()) return ['runuser', ['-u', user, '--', 'env', ...assignments, cmd, ...args]];
  return ['env', [...assignments, cmd, ...args]];
}

/** Runs it to the end; rejects with its stderr. */
function run(user, cmd, args, env = {}, timeoutMs = 180_000) {
  return new Promise((resolve, reject) =>
    execFile(...asUser(user, cmd, args, env), { timeout: timeoutMs }, (err, stdout, stderr) =>
      err ? reject(new Error(`${path.basename(cmd)} ${args.join(' ')} failed: ${(stderr || stdout || err.message).trim().slice(-2000)}`)) : resolve(stdout),
    ),
  );
}

/** The same, synchronous and silent: for process 'exit' handlers, which cannot wait. */
function runSync(user, cmd, args, env = {}) {
  try {
    execFileSync(...asUser(user, cmd, args, env), { stdio: 'ignore', timeout: 30_000 });
  } catch {
    // best effort: the process is exiting
  }
}

/**
 * Inside a test run (TEST_RUN_DIR): notes a private engine in the run's resources, before
 * it starts, so the run's cleanup stops and removes it even when the test process was
 * killed before its own cleanup (test/support/resources.js, scripts/lib/engine-cleanup.js).
 */
function recordEngine(entry) {
  const runDir = process.env.TEST_RUN_DIR;
  if (!runDir || !fs.existsSync(runDir)) return;
  fs.appendFileSync(path.join(runDir, 'resources.jsonl'), `${JSON.stringify({ kind: 'engine', ...entry })}\n`);
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

module.exports = { isRoot, freePort, tempDirFor, asUser, run, runSync, tail, recordEngine };
