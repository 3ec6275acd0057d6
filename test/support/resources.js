'use strict';
// The resources one test run creates, and their removal. Plain CommonJS so that both
// jest's global setup/teardown and scripts/test.js (its safety net) can use it.
//
// A run has a directory (TEST_RUN_DIR) holding two append-only files:
//   resources.jsonl  one {"kind":"database"|"vhost","name":...} per line, written
//                    BEFORE the resource is created, so a half-done setup is cleaned too
//   pids             one pid per line of every app process a test spawned
// Cleanup removes exactly what is listed there and nothing else: other runs (other
// engineers' in the same checkout) have their own directories and names.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const kit = require('../kit/resources');

const ROOT = path.resolve(__dirname, '../..');
const ARTIFACTS = path.join(ROOT, 'test', '.artifacts');
const PREFIX = 'crm_test';
const { rabbitmqctl, deleteVhost, alive } = kit;

/** The server the run's databases live on: DATABASE_URL's host and credentials, or the local default. */
function serverUrl(database = 'postgres') {
  return kit.urlFor(process.env.DATABASE_URL || kit.DEFAULT_SERVER_URL, database);
}

const brokerBase = () => process.env.AMQP_URL || kit.DEFAULT_BROKER_URL;
const brokerUrl = (vhost) => kit.urlFor(brokerBase(), vhost);

const newName = (prefix = PREFIX) => kit.newName(prefix);

function makeRunDir() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return fs.mkdtempSync(path.join(ARTIFACTS, 'run-'));
}

function record(runDir, entry) {
  fs.appendFileSync(path.join(runDir, 'resources.jsonl'), `${JSON.stringify(entry)}\n`);
}

function recordPid(runDir, pid) {
  fs.appendFileSync(path.join(runDir, 'pids'), `${pid}\n`);
}

function readLines(file) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

function runMigrate(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'migrate.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`npm run migrate failed (exit ${code}):\n${output.slice(-4000)}`))));
  });
}

/** An empty database of a new random name, registered in the run directory first (teardown drops it). */
async function createDatabase(runDir, prefix = PREFIX) {
  const name = newName(prefix);
  record(runDir, { kind: 'database', name });
  return { name, databaseUrl: await kit.createDatabase(name, { serverUrl: serverUrl() }) };
}

/**
 * A fresh database and vhost of the same random name, migrated by both apps.
 * Registered in the run directory first, so teardown removes them whatever happens.
 */
async function createStack(runDir, prefix = PREFIX) {
  const { name } = await createDatabase(runDir, prefix);
  record(runDir, { kind: 'vhost', name });
  await kit.createVhost(name);
  const stack = { name, databaseUrl: serverUrl(name), amqpUrl: brokerUrl(name) };
  await runMigrate({ ...process.env, DATABASE_URL: stack.databaseUrl, AMQP_URL: stack.amqpUrl });
  return stack;
}

async function dropDatabase(name) {
  await kit.dropDatabase(serverUrl(), name);
}

function killRecordedPids(runDir, log) {
  for (const line of readLines(path.join(runDir, 'pids'))) {
    const pid = Number(line);
    let cmdline;
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // gone already
    }
    // Only our own app processes: a recycled pid must not be killed.
    if (!cmdline.includes(path.join(ROOT, 'dist', 'apps'))) continue;
    log(`killing leftover app process ${pid}`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* exited meanwhile */
    }
  }
}

/** Removes everything the run recorded, then the directory. Reports failures, throws the first. */
async function cleanupRun(runDir, log = (m) => console.error(m)) {
  if (!runDir || !fs.existsSync(runDir)) return;
  killRecordedPids(runDir, log);
  const entries = readLines(path.join(runDir, 'resources.jsonl')).map((l) => JSON.parse(l));
  const errors = [];
  for (const entry of entries) {
    const { kind, name } = entry;
    try {
      if (kind === 'database') await dropDatabase(name);
      else if (kind === 'vhost') await deleteVhost(name);
      else if (kind === 'engine') await require('../../scripts/lib/engine-cleanup').stopRecordedEngine(entry, log);
    } catch (err) {
      errors.push(err);
      log(`could not remove ${kind} ${name ?? entry.engine}: ${err.message}`);
    }
  }
  if (errors.length) throw errors[0];
  fs.rmSync(runDir, { recursive: true, force: true });
}

/** Marks the run directory as this process's: a later run may sweep it once this process is gone. */
function claimRun(runDir) {
  fs.writeFileSync(path.join(runDir, 'owner'), String(process.pid));
}

/**
 * Removes what runs whose jest process died without its teardown (killed, timed out)
 * left behind in this checkout. A run whose owner still lives is never touched.
 */
async function sweepDeadRuns(currentRunDir, log) {
  let names;
  try {
    names = fs.readdirSync(ARTIFACTS).filter((n) => n.startsWith('run-'));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join(ARTIFACTS, name);
    if (path.resolve(dir) === path.resolve(currentRunDir)) continue;
    let owner = NaN;
    try {
      owner = Number(fs.readFileSync(path.join(dir, 'owner'), 'utf8'));
    } catch {
      // Not claimed yet (jest still starting), or a run that died before it claimed it.
      if (Date.now() - fs.statSync(dir).mtimeMs < 3600 * 1000) continue;
    }
    if (Number.isInteger(owner) && owner > 0 && alive(owner)) continue;
    log(`removing what the dead run ${name} left behind`);
    await cleanupRun(dir, log).catch((err) => log(`could not sweep ${name}: ${err.message}`));
  }
}

/**
 * The run directory of this jest process, for every project's global setup: the one this
 * process already claimed (another project's setup ran first), else TEST_RUN_DIR when
 * scripts/test.js made it, else a new one; claimed, and dead runs swept.
 */
async function openRun(log) {
  const current = process.env.TEST_RUN_DIR;
  if (current && fs.existsSync(current) && ownerOf(current) === process.pid) return current;
  pruneOldLogs();
  const runDir = current && fs.existsSync(current) ? current : makeRunDir();
  process.env.TEST_RUN_DIR = runDir;
  claimRun(runDir);
  await sweepDeadRuns(runDir, log);
  return runDir;
}

function ownerOf(runDir) {
  try {
    return Number(fs.readFileSync(path.join(runDir, 'owner'), 'utf8'));
  } catch {
    return NaN;
  }
}

/** The apps' output of each run stays in test/.artifacts/logs/<run>/ for a day, to read after a failure. */
function pruneOldLogs(maxAgeMs = 24 * 3600 * 1000) {
  const dir = path.join(ARTIFACTS, 'logs');
  let names;
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const full = path.join(dir, name);
    if (Date.now() - fs.statSync(full).mtimeMs > maxAgeMs) fs.rmSync(full, { recursive: true, force: true });
  }
}

module.exports = {
  pruneOldLogs,
  claimRun,
  openRun,
  createDatabase,
  sweepDeadRuns,
  ROOT,
  newName,
  makeRunDir,
  rabbitmqctl,
  createStack,
  dropDatabase,
  deleteVhost,
  cleanupRun,
  recordPid,
  record,
  serverUrl,
  brokerUrl,
};
