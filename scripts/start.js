#!/usr/bin/env node
'use strict';
// `npm start` (after `npm run build`): migrate, then run crm-api and the activity-logger
// in the foreground, each line of their output prefixed with the app's name.
// At a terminal the apps print coloured, human-readable lines (LOG_FORMAT=pretty, unless
// LOG_FORMAT is set); piped or redirected, JSON lines, as when they run on their own.
// Ctrl-C / SIGTERM is forwarded to both and we exit once both have stopped; if one dies
// on its own, the other is stopped and we exit non-zero.
const { spawn } = require('node:child_process');
const readline = require('node:readline');
const { APPS, entryOf, migrateAll } = require('./migrate');
const { argvOf } = require('./lib/node-flags');

const STOP_GRACE_MS = 15_000;
const width = Math.max(...APPS.map((a) => a.length));
const children = new Map(); // app -> { child, exited: Promise<{code, signal}> }
let stopping = null; // the reason we are stopping, once we are
// The apps' stdout is a pipe to us, so they cannot see the terminal: we tell them.
const env = process.stdout.isTTY && !process.env.LOG_FORMAT ? { ...process.env, LOG_FORMAT: 'pretty' } : process.env;

function say(msg) {
  console.error(`${'[start]'.padEnd(width + 2)} ${msg}`);
}

function pipeWithPrefix(stream, out, prefix) {
  readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => out.write(`${prefix} ${line}\n`));
}

function launch(app) {
  // Own process group: a terminal's Ctrl-C reaches only us, and each app gets the
  // signal exactly once, from us (a second SIGINT makes some runtimes exit at once).
  // The app's node flags (lib/node-flags.js: the logger's smaller young generation) first.
  const child = spawn(process.execPath, argvOf(app, entryOf(app)), { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const prefix = `[${app}]`.padEnd(width + 2);
  pipeWithPrefix(child.stdout, process.stdout, prefix);
  pipeWithPrefix(child.stderr, process.stderr, prefix);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.on('error', (err) => say(`${app} could not start: ${err.message}`));
  exited.then(({ code, signal }) => {
    say(`${app} exited (${signal ? `signal ${signal}` : `code ${code}`})`);
    if (!stopping) shutdown(`${app} died`, 'SIGTERM', 1);
  });
  children.set(app, { child, exited });
}

async function stopChild({ child, exited }, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  try {
    child.kill(signal);
  } catch {
    /* already gone */
  }
  const timer = setTimeout(() => {
    say(`pid ${child.pid} still running after ${STOP_GRACE_MS} ms: SIGKILL`);
    child.kill('SIGKILL');
  }, STOP_GRACE_MS);
  const result = await exited;
  clearTimeout(timer);
  return result;
}

async function shutdown(reason, signal, failureCode) {
  if (stopping) return;
  stopping = reason;
  say(`${reason}: stopping ${[...children.keys()].join(' and ')}`);
  const results = await Promise.all([...children.values()].map((c) => stopChild(c, signal)));
  // A requested stop is clean when every app stopped by itself on the signal.
  const clean = results.every((r) => r.code === 0 || r.signal === signal);
  process.exit(failureCode || (clean ? 0 : 1));
}

async function main() {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => shutdown(`received ${sig}`, sig === 'SIGHUP' ? 'SIGTERM' : sig, 0));
  say('migrating');
  await migrateAll({ env });
  if (stopping) return;
  for (const app of APPS) launch(app);
}

main().catch((err) => {
  say(err.message);
  process.exit(1);
});
