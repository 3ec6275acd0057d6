#!/usr/bin/env node
'use strict';
// `npm run migrate`: applies crm-api's migrations, then the activity-logger's, each
// through its own built entry point (`main.js migrate`, which also creates the database
// when it is missing), run with the app's node flags (lib/node-flags.js). The environment
// is inherited, so DATABASE_URL picks the target.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { argvOf } = require('./lib/node-flags');

const ROOT = path.resolve(__dirname, '..');
const APPS = ['crm-api', 'activity-logger'];

const entryOf = (app) => path.join(ROOT, 'dist', 'apps', app, 'main.js');

function migrateApp(app, { env = process.env, stdio = 'inherit' } = {}) {
  const entry = entryOf(app);
  if (!fs.existsSync(entry)) {
    return Promise.reject(new Error(`${path.relative(ROOT, entry)} is missing: run \`npm run build\` first`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argvOf(app, entry, ['migrate']), { cwd: ROOT, env, stdio });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${app} migrate failed (${signal ? `signal ${signal}` : `exit code ${code}`})`));
    });
  });
}

/** Both apps, in order: crm-api first (it creates the database), stopping at the first failure. */
async function migrateAll(options) {
  for (const app of APPS) await migrateApp(app, options);
}

module.exports = { APPS, entryOf, migrateApp, migrateAll };

if (require.main === module) {
  migrateAll().then(
    () => console.log('migrate: crm-api and activity-logger are up to date'),
    (err) => {
      console.error(`migrate: ${err.message}`);
      process.exit(1);
    },
  );
}
