import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { recordPid, ROOT } from '../support/resources';
import { AppName, runAppToExit as runToExit, spawnApp, waitReady } from '../kit/apps';
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
  app: AppName;
  portVariable: string;
  readyPath: string;
}

// Generous: the machine is shared and loaded, and a start that takes long is not what these tests judge.
const START_TIMEOUT_MS = 60_000;
const MAX_LINES = 400;

/** test/.artifacts/logs/<run>/: the apps' output and the tests' own records; kept a day after the run. */
export function runLogDir(): string {
  const dir = join(ROOT, 'test', '.artifacts', 'logs', testEnv().name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function startApp(spec: AppSpec, env: NodeJS.ProcessEnv): Promise<AppProcess> {
  const t = testEnv();
  const logDir = runLogDir();
  const child = spawnApp(spec.app, {
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
    keepLines: MAX_LINES,
    onLine: (line) => log.write(`${line}\n`),
  });
  recordPid(t.runDir, child.pid);

  // Opened right after the spawn, in the same tick (before onLine can be called): no output can arrive before it.
  const logFile = join(logDir, `${spec.app}-${child.pid}.log`);
  const log = createWriteStream(logFile);
  const logWritten = new Promise<void>((resolve) => log.once('close', () => resolve()));
  // 'close', not 'exit': its output may still be in the pipes when it exits.
  child.child.once('close', () => log.end());

  const { exited, exitStatus, kill, output } = child;
  const stop = (graceMs = 10_000) => child.stop(graceMs);

  try {
    const url = await waitReady(child, spec.app, spec.readyPath, { timeout: START_TIMEOUT_MS, interval: 100 });
    const wholeLog = async () => {
      await stop();
      await logWritten;
      return readFileSync(logFile, 'utf8');
    };
    return { name: spec.app, pid: child.pid, port: child.port()!, url, exited, exitStatus, kill, stop, output, logFile, wholeLog };
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
  app: AppName,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  expected = 'it should have exited',
): Promise<{ code: number | null; output: string }> {
  return runToExit(app, args, env, { timeoutMs, expected, onSpawn: (pid) => recordPid(testEnv().runDir, pid) });
}
