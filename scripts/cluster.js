#!/usr/bin/env node
'use strict';
// `npm run cluster:up` / `npm run cluster:down`: a local three-node RabbitMQ cluster to try
// by hand (the one the cluster test uses, scripts/lib/rabbit-cluster.js). Its nodes run
// in the background until cluster:down; where they are is kept in .cluster/rabbit.json.
// The machine's own broker (rabbit@localhost, 5672) is not involved.
const fs = require('node:fs');
const path = require('node:path');
const { startRabbitCluster, stopDescribedCluster } = require('./lib/rabbit-cluster');

const STATE = path.resolve(__dirname, '..', '.cluster', 'rabbit.json');

async function up() {
  if (fs.existsSync(STATE)) {
    console.error(`a cluster is already up (${STATE}): npm run cluster:down first`);
    return 1;
  }
  const size = Number(process.env.CLUSTER_SIZE || 3);
  console.error(`starting ${size} RabbitMQ nodes (a minute or two on a busy machine)…`);
  const cluster = await startRabbitCluster({ size, keep: true });
  fs.mkdirSync(path.dirname(STATE), { recursive: true });
  fs.writeFileSync(STATE, JSON.stringify(cluster.describe(), null, 2));
  console.log(`nodes: ${cluster.nodes.map((n) => `${n.name} (amqp ${n.port})`).join(', ')}`);
  console.log(`data and logs: ${cluster.dir}`);
  console.log('point both apps at it (default vhost /, guest/guest from this machine only):');
  console.log(`  export AMQP_URL='${cluster.amqpUrl('/')}'`);
  const as = process.getuid?.() === 0 ? 'runuser -u rabbitmq -- env ' : 'env ';
  console.log(`stop a node:  ${as}HOME=${cluster.dir} rabbitmqctl -n ${cluster.nodes[0].name} stop`);
  console.log('then `npm run cluster:down` stops them all and removes the directory.');
  return 0;
}

async function down() {
  if (!fs.existsSync(STATE)) {
    console.error('no cluster is up (no .cluster/rabbit.json)');
    return 0;
  }
  const described = JSON.parse(fs.readFileSync(STATE, 'utf8'));
  await stopDescribedCluster(described);
  fs.rmSync(STATE);
  console.log(`stopped ${described.nodes.map((n) => n.name).join(', ')}; removed ${described.dir}`);
  return 0;
}

const action = { up, down }[process.argv[2]];
if (!action) {
  console.error('usage: node scripts/cluster.js up|down');
  process.exit(2);
}
action().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err.message);
    process.exit(1);
  },
);
