import { ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { nodeFlagsOf } from '../../scripts/lib/node-flags';
import type { AppName } from '../../scripts/lib/node-flags';
import { eventually } from './poll';

/**
 * Starting and stopping the built apps (dist/apps/<app>/main.js), for the e2e tests
 * (test/utils/processes.ts: log files, pids recorded for the run's cleanup, wholeLog) and
 * the bench (bench/lib/procs.ts: cpu profiles, RSS sampling). No jest here.
 */
export const ROOT = resolve(__dirname, '..', '..');
export type { AppName };
export type ExitStatus = { code: number | null; signal: NodeJS.Signals | null };

/** An app's built entry point; `distDir`: another build's dist/ (bench/feed-ab.ts runs two). */
export const mainOf = (app: AppName, distDir = join(ROOT, 'dist')) => join(distDir, 'apps', app, 'main.js');

/** Where an app's node flags come from (`nodeFlags` replaces them) and what may come with them. */
export interface AppArgvOptions {
  /** Node's own flags for this run, before the app's (the bench's --cpu-prof). */
  nodeArgs?: readonly string[];
  /** The app's node flags; default: its list in scripts/lib/node-flags.js (the bench's A/B of the flags replaces it). */
  nodeFlags?: readonly string[];
  /** Another build's dist/ directory (default: this checkout's). */
  distDir?: string;
}

/** What follows `node` to run the built app with `args`: every start here goes through it, so each gets the app's flags. */
export function appArgv(app: AppName, args: readonly string[] = [], { nodeArgs = [], nodeFlags = nodeFlagsOf(app), distDir }: AppArgvOptions = {}): string[] {
  return [...nodeArgs, ...nodeFlags, mainOf(app, distDir), ...args];
}

const live = new Set<ChildProcess>();
// A test worker or a bench that ends without stopping what it started must not leave it running.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Every app still running: SIGTERM, then SIGKILL after `graceMs` (the bench's signal handler). */
export async function stopAllApps(graceMs = 5_000) {
  for (const child of live) child.kill('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (live.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const child of live) child.kill('SIGKILL');
}

/** The bound port, from a JSON log line such as {"msg":"listening","port":41234}. */
export function portFrom(line: string): number | null {
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

/** Its functions are closures (no `this`): callers may take them off the object. */
export interface SpawnedApp {
  child: ChildProcess;
  pid: number;
  /** The port it printed it listens on, once it has. */
  port: () => number | null;
  exited: Promise<ExitStatus>;
  /** How it exited, or null while it runs. */
  exitStatus: () => ExitStatus | null;
  kill: (signal?: NodeJS.Signals) => void;
  /** SIGTERM, then SIGKILL after `graceMs` (calling onForcedKill); resolves once it has exited. */
  stop: (graceMs: number, onForcedKill?: () => void) => Promise<void>;
  /** The last lines it printed, for failure messages. */
  output: () => string;
}

export interface SpawnOptions extends AppArgvOptions {
  env: NodeJS.ProcessEnv;
  /** Lines of output kept in memory for output(). */
  keepLines: number;
  /** Every line it prints, stdout and stderr (the tests' log file). */
  onLine?: (line: string) => void;
}

/** Spawns a built app (its env as given, nothing added) and follows its output and exit. */
export function spawnApp(app: AppName, { env, keepLines, onLine, ...argv }: SpawnOptions): SpawnedApp {
  const child = spawn(process.execPath, appArgv(app, [], argv), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (!child.pid) throw new Error(`${app} could not be spawned`);
  live.add(child);
  const lines: string[] = [];
  let port: number | null = null;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      onLine?.(line);
      lines.push(line);
      if (lines.length > keepLines) lines.shift();
      port ??= portFrom(line);
    });
  }
  let status: ExitStatus | null = null;
  const exited = new Promise<ExitStatus>((resolve) =>
    child.once('exit', (code, signal) => {
      status = { code, signal };
      live.delete(child);
      resolve(status);
    }),
  );
  const kill = (signal: NodeJS.Signals = 'SIGTERM') => {
    if (!status) child.kill(signal);
  };
  const stop = async (graceMs: number, onForcedKill?: () => void) => {
    if (status) return;
    kill('SIGTERM');
    const timer = setTimeout(() => {
      onForcedKill?.();
      kill('SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { child, pid: child.pid, port: () => port, exited, exitStatus: () => status, kill, stop, output: () => lines.join('\n') };
}

/** Waits until the app has printed its port and GET <readyPath> answers 200; its base URL. */
export function waitReady(app: SpawnedApp, name: string, readyPath: string, { timeout = 60_000, interval = 100 } = {}): Promise<string> {
  return eventually(
    async () => {
      const status = app.exitStatus();
      if (status) throw new Error(`${name} exited (${JSON.stringify(status)}) before it was ready`);
      const port = app.port();
      if (!port) throw new Error(`${name} has not printed the port it listens on`);
      const res = await fetch(`http://127.0.0.1:${port}${readyPath}`, { signal: AbortSignal.timeout(2_000) });
      if (res.status !== 200) throw new Error(`${name} GET ${readyPath} answered ${res.status}`);
      return `http://127.0.0.1:${port}`;
    },
    { timeout, interval },
  );
}

/**
 * Runs a built app with `args` (`migrate`, or a start it must refuse) to its exit: exit code
 * and all it printed. After `timeoutMs` it is killed and the promise rejects.
 */
export function runAppToExit(
  app: AppName,
  args: string[],
  env: NodeJS.ProcessEnv,
  { timeoutMs, expected = 'it should have exited', onSpawn }: { timeoutMs?: number; expected?: string; onSpawn?: (pid: number) => void } = {},
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, appArgv(app, args), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid) onSpawn?.(child.pid);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`${app} still running after ${timeoutMs} ms; ${expected}:\n${output}`));
          }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
