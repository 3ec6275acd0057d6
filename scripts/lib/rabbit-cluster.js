'use strict';
// A private RabbitMQ cluster on this machine, for the cluster test and `npm run cluster:up`.
// Each node has its own node name, AMQP and distribution ports, config, data and log
// directories under one temporary directory, and the cluster its own Erlang cookie: the
// machine's broker (rabbit@localhost on 5672, /etc/rabbitmq) is never read nor touched.
// Nodes run as the `rabbitmq` user when we are root (its files, its HOME for the cookie).
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { freePort, tempDirFor, run, runSync, asUser, tail, isRoot, recordEngine } = require('./engines');

const USER = 'rabbitmq';
const SBIN = fs.existsSync('/usr/lib/rabbitmq/bin/rabbitmq-server') ? '/usr/lib/rabbitmq/bin' : '';
const bin = (name) => (SBIN ? path.join(SBIN, name) : name);

/** A distribution port whose CLI range (port + 10000, RabbitMQ's default) stays valid. */
async function distPort() {
  for (;;) {
    const port = await freePort();
    if (port < 55000) return port;
  }
}

function nodeEnv(dir, node) {
  const base = path.join(dir, node.short);
  return {
    HOME: dir, // the cluster's .erlang.cookie, for servers and CLI alike
    RABBITMQ_NODENAME: node.name,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(node.port),
    RABBITMQ_DIST_PORT: String(node.distPort),
    RABBITMQ_CONFIG_FILE: path.join(base, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: path.join(base, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: path.join(base, 'rabbitmq-env.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(base, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: path.join(base, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(base, 'log'),
    RABBITMQ_PID_FILE: path.join(base, 'rabbit.pid'),
    ERL_EPMD_ADDRESS: '127.0.0.1',
  };
}

function writeNodeFiles(dir, node) {
  const base = path.join(dir, node.short);
  fs.mkdirSync(path.join(base, 'log'), { recursive: true });
  fs.mkdirSync(path.join(base, 'mnesia'), { recursive: true });
  fs.writeFileSync(
    path.join(base, 'rabbitmq.conf'),
    [
      `listeners.tcp.1 = 127.0.0.1:${node.port}`,
      // The minority side of a split pauses instead of diverging (three nodes: one may go).
      'cluster_partition_handling = pause_minority',
      'disk_free_limit.absolute = 50MB',
      'vm_memory_high_watermark.absolute = 512MB',
      'log.file.level = info',
      'log.console = false',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(base, 'advanced.config'), '[].\n');
  fs.writeFileSync(path.join(base, 'rabbitmq-env.conf'), '# private node: nothing from /etc/rabbitmq\n');
  fs.writeFileSync(path.join(base, 'enabled_plugins'), '[].\n'); // no management: no fixed 15672 port
}

function chownTree(dir) {
  if (isRoot()) return run('root', 'chown', ['-R', `${USER}:${USER}`, dir]);
}

/**
 * Starts `size` nodes and clusters them (join_cluster to the first). Returns the cluster:
 * per node url()/stop()/start(), the comma-separated AMQP_URL of all, the leader of a
 * quorum queue, and destroy() (stops every node, removes the directory). Nodes are also
 * stopped when this process exits, unless `keep` (cluster:up) says they outlive it.
 */
async function startRabbitCluster({ size = 3, keep = false, dir: given } = {}) {
  const dir = given ?? tempDirFor(USER, 'crm-rabbit-cluster-');
  const id = randomBytes(3).toString('hex');
  const nodes = [];
  for (let i = 1; i <= size; i++) {
    const short = `n${i}`;
    nodes.push({ short, name: `crm${id}${short}@localhost`, port: await freePort(), distPort: await distPort(), running: false });
  }
  fs.writeFileSync(path.join(dir, '.erlang.cookie'), randomBytes(20).toString('hex'), { mode: 0o400 });
  nodes.forEach((n) => writeNodeFiles(dir, n));
  await chownTree(dir);

  const ctl = (node, args, timeoutMs) => run(USER, bin('rabbitmqctl'), ['-n', node.name, '-q', ...args], nodeEnv(dir, node), timeoutMs);

  const start = async (node) => {
    const out = fs.openSync(path.join(dir, node.short, 'log', 'stdout.log'), 'a');
    const child = spawn(...asUser(USER, bin('rabbitmq-server'), [], nodeEnv(dir, node)), { detached: true, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    child.unref();
    node.running = true;
    let exited = null;
    child.once('exit', (code) => (exited = code));
    // await_startup fails at once while the VM is not registered yet: poll until it waits.
    const deadline = Date.now() + 180_000;
    for (;;) {
      try {
        await ctl(node, ['await_startup', '--timeout', '180'], 200_000);
        return;
      } catch (err) {
        if (exited !== null || Date.now() > deadline) {
          err.message += `\n--- ${node.name} exited (${exited}); its log ---\n${log(node)}`;
          throw err;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  };
  const stop = async (node) => {
    await ctl(node, ['stop'], 120_000).catch(() => undefined);
    node.running = false;
  };
  const log = (node) => tail(path.join(dir, node.short, 'log', `${node.name}.log`)) || tail(path.join(dir, node.short, 'log', 'stdout.log'));
  const stopAtExit = () => {
    nodes.filter((n) => n.running).forEach((n) => runSync(USER, bin('rabbitmqctl'), ['-n', n.name, 'stop'], nodeEnv(dir, n)));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  if (!keep) process.once('exit', stopAtExit);

  const cluster = {
    dir,
    nodes: nodes.map((node) => ({
      name: node.name,
      port: node.port,
      url: (vhost = '/') => `amqp://guest:guest@127.0.0.1:${node.port}/${encodeURIComponent(vhost)}`,
      start: () => start(node),
      stop: () => stop(node),
      isRunning: () => node.running,
      log: () => log(node),
    })),
    /** Every node, comma-separated: an AMQP_URL for the apps. */
    amqpUrl: (vhost = '/') => cluster.nodes.map((n) => n.url(vhost)).join(','),
    /** rabbitmqctl on a running node of the cluster. */
    ctl: (args, timeoutMs) => ctl(nodes.find((n) => n.running) ?? nodes[0], args, timeoutMs),
    /** The node (name) leading a quorum queue. */
    leaderOf: async (queue, vhost = '/') => {
      const rows = JSON.parse(await cluster.ctl(['list_queues', '-p', vhost, 'name', 'leader', '--formatter', 'json']));
      return rows.find((r) => r.name === queue)?.leader ?? null;
    },
    /** The node a client connection (by its connection_name) is attached to. */
    nodeOfConnection: async (connectionName) => {
      // Connections are listed cluster-wide; the server port they reached says which node.
      const rows = JSON.parse(await cluster.ctl(['list_connections', 'port', 'client_properties', '--formatter', 'json']));
      const named = rows.find((r) => JSON.stringify(r.client_properties).includes(connectionName));
      return nodes.find((n) => n.port === named?.port)?.name ?? null;
    },
    destroy: async () => {
      await Promise.all(nodes.filter((n) => n.running).map((n) => stop(n)));
      process.removeListener('exit', stopAtExit);
      fs.rmSync(dir, { recursive: true, force: true });
    },
    /** What cluster:down needs to find it again. */
    describe: () => ({ dir, nodes: nodes.map(({ short, name, port, distPort: d }) => ({ short, name, port, distPort: d })) }),
  };

  if (!keep) recordEngine({ engine: 'rabbit-cluster', described: cluster.describe() });
  try {
    // Booting is the slow part: all at once, then the others join the first.
    await Promise.all(nodes.map((n) => start(n)));
    for (const node of nodes.slice(1)) {
      await ctl(node, ['stop_app']);
      await ctl(node, ['reset']);
      await ctl(node, ['join_cluster', nodes[0].name]);
      await ctl(node, ['start_app']);
    }
  } catch (err) {
    await cluster.destroy().catch(() => undefined);
    throw err;
  }
  return cluster;
}

/** Stops the nodes a `describe()` names and removes their directory (cluster:down). */
async function stopDescribedCluster(described) {
  for (const node of described.nodes) {
    await run(USER, bin('rabbitmqctl'), ['-n', node.name, '-q', 'stop'], nodeEnv(described.dir, node), 120_000).catch((e) => console.error(e.message));
  }
  fs.rmSync(described.dir, { recursive: true, force: true });
}

module.exports = { startRabbitCluster, stopDescribedCluster };
