'use strict';
// A database and a RabbitMQ vhost of one name, created and dropped: what a test run
// (test/support/resources.js) and a bench run (bench/lib/resources.ts) each make for
// themselves. Plain CommonJS, no jest: scripts/test.js, jest's global setup and the
// bench (ts-node) all require it. How a run records and sweeps what it made stays with
// each user: they differ (a run directory of records vs .bench/runs/<name>.json).
const { execFile } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { Client } = require('pg');

const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DEFAULT_BROKER_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** `base` with its path replaced by `/<name>` (a database of a server URL, a vhost of a broker URL). */
function urlFor(base, name) {
  const url = new URL(base);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}

/** `<prefix>_<random hex>`: never another run's name. */
const newName = (prefix, bytes = 6) => `${prefix}_${randomBytes(bytes).toString('hex')}`;
const quoteIdent = (name) => `"${name.replace(/"/g, '""')}"`;

function rabbitmqctl(args) {
  return new Promise((resolve, reject) => {
    execFile('rabbitmqctl', ['--quiet', ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`rabbitmqctl ${args.join(' ')} failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}

/** One connection to the server's maintenance database for `fn`, closed afterwards. */
async function withServer(serverUrl, fn, applicationName) {
  const client = new Client({ connectionString: serverUrl, ...(applicationName ? { application_name: applicationName } : {}) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** CREATE DATABASE <name> (empty, not migrated); its URL. */
async function createDatabase(name, { serverUrl, applicationName }) {
  await withServer(serverUrl, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`), applicationName);
  return urlFor(serverUrl, name);
}

/** A vhost that guest may use fully. */
async function createVhost(name) {
  await rabbitmqctl(['add_vhost', name]);
  await rabbitmqctl(['set_permissions', '-p', name, 'guest', '.*', '.*', '.*']);
}

/** CREATE DATABASE <name>, then a vhost of the same name that guest may use fully. Not migrated. */
async function createDatabaseAndVhost(name, { serverUrl, brokerUrl, applicationName }) {
  const databaseUrl = await createDatabase(name, { serverUrl, applicationName });
  await createVhost(name);
  return { name, databaseUrl, amqpUrl: urlFor(brokerUrl, name) };
}

async function dropDatabase(serverUrl, name, applicationName) {
  await withServer(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`), applicationName);
}

/** Deletes the vhost if it exists (a second cleanup of the same run finds it gone). */
async function deleteVhost(name) {
  const listed = await rabbitmqctl(['list_vhosts', 'name']);
  if (
    listed
      .split('\n')
      .map((l) => l.trim())
      .includes(name)
  )
    await rabbitmqctl(['delete_vhost', name]);
}

/** Whether a process lives (EPERM: it does, as another user's). For sweeping dead runs. */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

module.exports = {
  DEFAULT_SERVER_URL,
  DEFAULT_BROKER_URL,
  urlFor,
  newName,
  quoteIdent,
  rabbitmqctl,
  withServer,
  createDatabase,
  createVhost,
  createDatabaseAndVhost,
  dropDatabase,
  deleteVhost,
  alive,
};
