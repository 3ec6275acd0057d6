#!/usr/bin/env node
'use strict';
// CLI for .ci/run and developers: start PostgreSQL and RabbitMQ when they are not running.
const { ensureServices } = require('./lib/services');

ensureServices().then(
  () => console.error('[services] PostgreSQL and RabbitMQ are up'),
  (err) => {
    console.error(`[services] ${err.message}`);
    process.exit(1);
  },
);
