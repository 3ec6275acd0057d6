import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = '/usr/lib/postgresql/15/bin';

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

/** PostgreSQL refuses to run as root: then as the `postgres` user, else as whoever we are. */
const isRoot = () => process.getuid?.() === 0;
const command = (cmd: string, args: string[]): [string, string[]] => (isRoot() ? ['runuser', ['-u', 'postgres', '--', join(BIN, cmd), ...args]] : [join(BIN, cmd), args]);

const asPostgres = (cmd: string, args: string[]) =>
  new Promise<string>((resolve, reject) =>
    execFile(...command(cmd, args), { timeout: 120_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')} failed: ${(stderr || err.message).trim()}`)) : resolve(stdout),
    ),
  );

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * initdb in a fresh temporary directory (as the `postgres` user when we are root), then started on a free
 * port, on 127.0.0.1 only, trust authentication. Stopped and removed by destroy(), and
 * stopped at the latest when the test process exits.
 */
export async function startPrivatePostgres(maxConnections = 50): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-private-pg-'));
  if (isRoot()) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  await asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const options = [`-p ${port}`, `-c listen_addresses=127.0.0.1`, `-c unix_socket_directories=${dir}`, `-c max_connections=${maxConnections}`, '-c shared_buffers=16MB'];
  let running = false;
  const start = async () => {
    await asPostgres('pg_ctl', ['-D', data, '-l', logFile, '-o', options.join(' '), '-w', '-t', '60', 'start']);
    running = true;
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    await asPostgres('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
    running = false;
  };
  const stopAtExit = () => {
    if (running) execFileSync(...command('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']), { stdio: 'ignore' });
  };
  process.once('exit', stopAtExit);
  try {
    await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    url: (name) => `postgres://postgres@127.0.0.1:${port}/${name}`,
    stop,
    start,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n') : ''),
    destroy: async () => {
      if (running) await stop('immediate').catch(() => undefined);
      process.removeListener('exit', stopAtExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
