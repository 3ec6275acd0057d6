import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { recordPid, ROOT } from '../support/resources';
import { eventually } from './eventually';
import { testEnv } from './env';

export interface AppProcess {
  name: string;
  pid: number;
  port: number;
  url: string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** How it exited, or null while it runs. */
  exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | null;
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after a grace period; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** Everything it printed so far (the last lines), for failure messages. */
  output(): string;
  /** Where all of its output is kept (test/.artifacts/logs/<run>/), to read after a failure. */
  logFile: string;
  /**
   * All it printed, read once it has exited and its log file is complete: stops it first
   * (SIGTERM) if it still runs. For assertions about everything it ever printed.
   */
  wholeLog(): Promise<string>;
}

interface AppSpec {
  app: 'crm-api' | 'activity-logger';
  portVariable: string;
  readyPath: string;
}

// Generous: the machine is shared and loaded, and a start that takes long is not what these tests judge.
const START_TIMEOUT_MS = 60_000;
const MAX_LINES = 400;
const live = new Set<ChildProcess>();

// A worker that ends without stopping what it started must not leave it running.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** The bound port, from a JSON log line such as {"msg":"listening","port":41234}. */
function portFrom(line: string): number | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object') return null;
  const { port, url, address, msg, message } = parsed as Record<string, unknown>;
  const text = `${msg ?? ''} ${message ?? ''}`;
  if (typeof port === 'number' && port > 0 && /listen|start|ready|http/i.test(text)) return port;
  for (const candidate of [url, address, text]) {
    const m = typeof candidate === 'string' ? /https?:\/\/[^\s/"]+:(\d{2,5})/.exec(candidate) : null;
    if (m) return Number(m[1]);
  }
  return null;
}

/** test/.artifacts/logs/<run>/: the apps' output and the tests' own records; kept a day after the run. */
export function runLogDir(): string {
  const dir = join(ROOT, 'test', '.artifacts', 'logs', testEnv().name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function startApp(spec: AppSpec, env: NodeJS.ProcessEnv): Promise<AppProcess> {
  const t = testEnv();
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', spec.app, 'main.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: t.databaseUrl,
      AMQP_URL: t.amqpUrl,
      ADMIN_EMAIL: t.admin.email,
      ADMIN_PASSWORD: t.admin.password,
      [spec.portVariable]: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (!child.pid) throw new Error(`${spec.app} could not be spawned`);
  recordPid(t.runDir, child.pid);
  live.add(child);

  const logDir = runLogDir();
  const logFile = join(logDir, `${spec.app}-${child.pid}.log`);
  const log = createWriteStream(logFile);
  const logWritten = new Promise<void>((resolve) => log.once('close', () => resolve()));
  // 'close', not 'exit': its output may still be in the pipes when it exits.
  child.once('close', () => log.end());

  const lines: string[] = [];
  let port: number | null = null;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      log.write(`${line}\n`);
      lines.push(line);
      if (lines.length > MAX_LINES) lines.shift();
      port ??= portFrom(line);
    });
  }
  let status: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      status = { code, signal };
      live.delete(child);
      resolve(status);
    }),
  );
  const output = () => lines.join('\n');
  const kill = (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!status) child.kill(signal);
  };
  const stop = async (graceMs = 10_000) => {
    if (status) return;
    kill('SIGTERM');
    const timer = setTimeout(() => kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  try {
    const url = await eventually(
      async () => {
        if (status) throw new Error(`${spec.app} exited (${JSON.stringify(status)}) before it was ready`);
        if (!port) throw new Error(`${spec.app} has not printed the port it listens on`);
        const res = await fetch(`http://127.0.0.1:${port}${spec.readyPath}`, { signal: AbortSignal.timeout(2_000) });
        if (res.status !== 200) throw new Error(`${spec.app} GET ${spec.readyPath} answered ${res.status}`);
        return `http://127.0.0.1:${port}`;
      },
      { timeout: START_TIMEOUT_MS, interval: 100 },
    );
    const wholeLog = async () => {
      await stop();
      await logWritten;
      return readFileSync(logFile, 'utf8');
    };
    return { name: spec.app, pid: child.pid, port: port!, url, exited, exitStatus: () => status, kill, stop, output, logFile, wholeLog };
  } catch (err) {
    await stop(2_000);
    (err as Error).message += `\n--- ${spec.app} output (all of it in ${relative(ROOT, logFile)}) ---\n${output()}`;
    throw err;
  }
}

/** crm-api, built, on an ephemeral port, against this run's database and vhost; ready once GET /health is 200. */
export function startApi(env: NodeJS.ProcessEnv = {}): Promise<AppProcess> {
  return startApp({ app: 'crm-api', portVariable: 'PORT', readyPath: '/health' }, env);
}

/** The activity-logger, built, on an ephemeral port; ready once GET /health/ready is 200. */
export function startLogger(env: NodeJS.ProcessEnv = {}): Promise<AppProcess> {
  return startApp({ app: 'activity-logger', portVariable: 'LOGGER_HTTP_PORT', readyPath: '/health/ready' }, env);
}

/** Runs crm-api's main.js to its exit (for a start it must refuse): exit code and output. */
export function runApiToExit(env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  return runAppToExit('crm-api', [], env, timeoutMs, 'it should have refused to start');
}

/** Runs an app's built main.js with `args` (e.g. `migrate`) to its exit: exit code and output. */
export function runAppToExit(
  app: 'crm-api' | 'activity-logger',
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  expected = 'it should have exited',
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', app, 'main.js'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid) recordPid(testEnv().runDir, child.pid);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app} still running after ${timeoutMs} ms; ${expected}:\n${output}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
