'use strict';
// The dashboard's browser test needs Debian's Chromium. The test run installs it here,
// once, before jest starts (never a spec at import time: that would stall a worker for
// minutes and hide the cause). Every step is bounded; when it cannot be installed the
// dashboard spec FAILS saying so, it is never skipped.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');

const CHROMIUM = '/usr/bin/chromium';

function run(cmd, args, timeoutMs) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: timeoutMs, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

/** Returns the path of Chromium, installing it with apt-get when missing and possible; null when not. */
function ensureChromium(log = (m) => console.error(m)) {
  if (fs.existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() !== 0) {
    log(`${CHROMIUM} is missing and only root can apt-get install it: the dashboard test will fail`);
    return null;
  }
  log(`${CHROMIUM} is missing: apt-get install chromium (at most ~12 minutes)`);
  // The package lists may be current already: try without an update first.
  const ok =
    run('apt-get', ['install', '-y', '-qq', 'chromium'], 600_000) || (run('apt-get', ['update', '-qq'], 120_000) && run('apt-get', ['install', '-y', '-qq', 'chromium'], 600_000));
  if (!ok || !fs.existsSync(CHROMIUM)) {
    log(`could not install chromium: the dashboard test will fail`);
    return null;
  }
  return CHROMIUM;
}

module.exports = { CHROMIUM, ensureChromium };

if (require.main === module) process.exit(ensureChromium() ? 0 : 1);
