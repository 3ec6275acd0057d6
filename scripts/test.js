#!/usr/bin/env node
'use strict';
// `npm test [-- jest args]`: everything a fresh clone needs after `npm ci`.
//  1. PostgreSQL and RabbitMQ answer (started when they are not running);
//  2. `npm run build`: the end-to-end tests spawn the real built apps;
//  3. Chromium for the dashboard's browser test (lib/chromium.js: apt-get when missing);
//  4. jest, every project (unit, medium, e2e, engines). The medium project's global setup
//     creates its database, the e2e project's a database and vhost, all recorded in one
//     run directory; the teardown removes them, and should jest die before its teardown,
//     the resources recorded are removed here. Exit code = jest's.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ensureServices } = require('./lib/services');
const { ensureChromium } = require('./lib/chromium');

const ROOT = path.resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let current = null; // the child in the foreground, to pass signals on to
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (current) current.kill(sig);
    else process.exit(130);
  });
}

function run(cmd, args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: 'inherit' });
    current = child;
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      current = null;
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

async function main() {
  await ensureServices();

  console.error('[test] npm run build');
  const built = await run(npm, ['run', 'build']);
  if (built !== 0) {
    console.error(`[test] the build failed (exit code ${built})`);
    return built;
  }

  ensureChromium((m) => console.error(`[test] ${m}`));

  const runDir = fs.mkdtempSync(path.join(ROOT, 'test', '.artifacts', 'run-'));
  const env = { ...process.env, TEST_RUN_DIR: runDir };
  // jest's own entry (what `npx jest` runs), spawned directly so signals reach it.
  const code = await run(process.execPath, [require.resolve('jest/bin/jest'), '--ci', ...process.argv.slice(2)], env);

  if (fs.existsSync(runDir)) {
    // Teardown did not run (jest crashed or was killed): remove what the run created.
    const { cleanupRun } = require('../test/support/resources');
    await cleanupRun(runDir, (m) => console.error(`[test] ${m}`));
  }
  return code;
}

fs.mkdirSync(path.join(ROOT, 'test', '.artifacts'), { recursive: true });
main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`[test] ${err.stack || err.message}`);
    process.exit(1);
  },
);
