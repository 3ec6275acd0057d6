import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, recordEngine, run, runSync, tail, tempDirFor } from '../../scripts/lib/engines';

const BIN = '/usr/lib/postgresql/15/bin';
/** PostgreSQL refuses to run as root: scripts/lib/engines runs it as `postgres` then. */
const USER = 'postgres';
const pg = (cmd: string, args: string[]) => run(USER, join(BIN, cmd), args, {}, 180_000);

/** A PostgreSQL server of the test's own (own port, own directory), to stop and start at will. */
export interface PrivatePostgres {
  port: number;
  /** A URL to database `name` on it. */
  url(name: string): string;
  /** `pg_ctl stop`: fast (sessions told to go, then a clean shutdown) or immediate (as a crash). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** The server's own log, for failure messages. */
  log(): string;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

export interface PrivatePostgresOptions {
  maxConnections?: number;
  /** Let streaming replicas connect (wal_level replica, WAL senders, replication in pg_hba). */
  replication?: boolean;
}

/**
 * initdb in a fresh temporary directory, then started on a free port, on 127.0.0.1 only,
 * trust authentication. Stopped and removed by destroy(), and stopped at the latest when
 * the test process exits. Never the machine's server: its own port, data and socket dir.
 */
export async function startPrivatePostgres(options: PrivatePostgresOptions | number = {}): Promise<PrivatePostgres> {
  const { maxConnections = 50, replication = false } = typeof options === 'number' ? { maxConnections: options } : options;
  const dir = tempDirFor(USER, 'crm-private-pg-');
  const data = join(dir, 'data');
  try {
    await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  // initdb's pg_hba.conf already trusts local replication connections (host 127.0.0.1 too).
  const settings = replication ? ['-c wal_level=replica', '-c max_wal_senders=5', '-c wal_keep_size=64MB'] : [];
  return serve(dir, data, maxConnections, settings);
}

/**
 * A streaming replica of `primary` (which must have been started with `replication`):
 * `pg_basebackup -R` into a directory of its own (standby.signal and primary_conninfo
 * written for us), then started as a hot standby on a free port.
 */
export async function startReplica(primary: PrivatePostgres, maxConnections = 50): Promise<PrivatePostgres> {
  const dir = tempDirFor(USER, 'crm-private-pg-replica-');
  const data = join(dir, 'data');
  try {
    await pg('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', data, '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync']);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return serve(dir, data, maxConnections, ['-c hot_standby=on', '-c hot_standby_feedback=on']);
}

async function serve(dir: string, data: string, maxConnections: number, settings: string[]): Promise<PrivatePostgres> {
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-c listen_addresses=127.0.0.1`,
    `-c unix_socket_directories=${dir}`,
    `-c max_connections=${maxConnections}`,
    '-c shared_buffers=16MB',
    ...settings,
  ];
  let running = false;
  const start = async () => {
    await pg('pg_ctl', ['-D', data, '-l', logFile, '-o', options.join(' '), '-w', '-t', '120', 'start']);
    running = true;
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    await pg('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '120', 'stop']);
    running = false;
  };
  const stopAtExit = () => {
    if (running) runSync(USER, join(BIN, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopAtExit);
  recordEngine({ engine: 'postgres', dir, data });
  try {
    await start();
  } catch (err) {
    process.removeListener('exit', stopAtExit);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    url: (name) => `postgres://postgres@127.0.0.1:${port}/${name}`,
    stop,
    start,
    log: () => (existsSync(logFile) ? tail(logFile) : ''),
    destroy: async () => {
      if (running) await stop('immediate').catch(() => undefined);
      process.removeListener('exit', stopAtExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
