'use strict';
// Stops and removes a private engine a test run recorded (engines.js recordEngine), for
// the run's cleanup: normally the test destroyed it already and this finds nothing left.
const fs = require('node:fs');
const path = require('node:path');
const { runSync } = require('./engines');
const { stopDescribedCluster } = require('./rabbit-cluster');

async function stopRecordedEngine(entry, log) {
  if (entry.engine === 'rabbit-cluster') {
    if (!fs.existsSync(entry.described.dir)) return;
    log(`stopping a leftover private RabbitMQ cluster (${entry.described.nodes.map((n) => n.name).join(', ')})`);
    await stopDescribedCluster(entry.described);
  } else if (entry.engine === 'postgres') {
    if (!fs.existsSync(entry.dir)) return;
    log(`stopping a leftover private PostgreSQL (${entry.dir})`);
    runSync('postgres', path.join('/usr/lib/postgresql/15/bin', 'pg_ctl'), ['-D', entry.data, '-m', 'immediate', 'stop']);
    fs.rmSync(entry.dir, { recursive: true, force: true });
  }
}

module.exports = { stopRecordedEngine };
