import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CONFIG, OUT_DIR, ROOT } from './config';
import { log, sleep, until } from './log';

export type AppName = 'crm-api' | 'activity-logger';

export interface App {
  name: string;
  app: AppName;
  pid: number;
  port: number;
  url: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Peak resident set size in MB since start or the last resetPeak() (VmHWM). */
  peakRssMb(): number;
  rssMb(): number;
  resetPeak(): void;
  stop(graceMs?: number): Promise<void>;
  output(): string;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Every app process still running, for the signal handler. */
export async function stopAll() {
  for (const child of live) child.kill('SIGTERM');
  const deadline = Date.now() + 5_000;
  while (live.size && Date.now() < deadline) await sleep(50);
  for (const child of live) child.kill('SIGKILL');
}

function portFrom(line: string): number | null {
  try {
    const j = JSON.parse(line) as Record<string, unknown>;
    const text = `${j.msg ?? ''} ${j.message ?? ''}`;
    if (typeof j.port === 'number' && j.port > 0 && /listen|start|ready|http/i.test(text)) return j.port;
    for (const c of [j.url, j.address, text]) {
      const m = typeof c === 'string' ? /https?:\/\/[^\s/"]+:(\d{2,5})/.exec(c) : null;
      if (m) return Number(m[1]);
    }
  } catch {
    /* not JSON */
  }
  return null;
}

function statusField(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Runs `node dist/apps/<app>/main.js [args]` to completion (migrations). */
export function runOnce(app: AppName, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', app, 'main.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${app} ${args.join(' ')} exited ${code}:\n${out.slice(-3000)}`))));
  });
}

let seq = 0;

/**
 * Starts a built app on an ephemeral port and waits until its readiness path answers 200.
 * With BENCH_PROFILE=1 it runs under --cpu-prof (the profile is written on a clean exit).
 */
export async function startApp(app: AppName, env: NodeJS.ProcessEnv, opts: { readyPath: string; portVar: string; label?: string }): Promise<App> {
  const name = opts.label ?? `${app}#${++seq}`;
  const nodeArgs: string[] = [];
  const spawnedAt = Date.now();
  let profileFile: string | undefined;
  if (CONFIG.profile) {
    const dir = join(OUT_DIR, 'profiles');
    mkdirSync(dir, { recursive: true });
    profileFile = join(dir, `${name.replace(/[^\w.-]/g, '_')}-${spawnedAt}.cpuprofile`);
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${profileFile.slice(dir.length + 1)}`);
  }
  const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist', 'apps', app, 'main.js')], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env, [opts.portVar]: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (!child.pid) throw new Error(`${app} could not be spawned`);
  live.add(child);
  const pid = child.pid;
  const lines: string[] = [];
  let port: number | null = null;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      lines.push(line);
      if (lines.length > 300) lines.shift();
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
  let sampledPeak = 0;
  const sampler = setInterval(() => {
    const rss = statusField(pid, 'VmRSS');
    if (rss > sampledPeak) sampledPeak = rss;
  }, 100);
  sampler.unref();
  void exited.then(() => clearInterval(sampler));
  let hwmResettable = true;

  const stop = async (graceMs = 15_000) => {
    if (status) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      log(`${name} still running ${graceMs} ms after SIGTERM: SIGKILL`);
      child.kill('SIGKILL');
    }, graceMs);
    await exited;
    clearTimeout(timer);
  };
  const output = () => lines.join('\n');
  try {
    const url = await until(
      `${name} to be ready`,
      async () => {
        if (status) throw new Error(`${name} exited (${JSON.stringify(status)})`);
        if (!port) return undefined;
        const res = await fetch(`http://127.0.0.1:${port}${opts.readyPath}`, { signal: AbortSignal.timeout(2_000) });
        return res.status === 200 ? `http://127.0.0.1:${port}` : undefined;
      },
      60_000,
      50,
    );
    // Beside the profile: how long start-up took, so the summary can leave it out.
    if (profileFile) writeFileSync(`${profileFile}.json`, JSON.stringify({ name, readyAfterMs: Date.now() - spawnedAt }));
    return {
      name,
      app,
      pid,
      port: port!,
      url,
      exited,
      output,
      stop,
      rssMb: () => statusField(pid, 'VmRSS'),
      peakRssMb: () => (hwmResettable ? statusField(pid, 'VmHWM') : sampledPeak),
      resetPeak: () => {
        sampledPeak = statusField(pid, 'VmRSS');
        try {
          writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
        } catch {
          hwmResettable = false;
        }
      },
    };
  } catch (e) {
    await stop(2_000);
    (e as Error).message += `\n--- ${name} output ---\n${output()}`;
    throw e;
  }
}

/**
 * The benchmark's load comes from one address (loopback), standing for many clients:
 * crm-api's per-address connection cap (HTTP_MAX_CONNECTIONS_PER_ADDRESS, 128) would cut
 * the e2e run's open-loop requests, so it is raised to the total cap here.
 */
export const startApi = (env: NodeJS.ProcessEnv, label?: string) =>
  startApp('crm-api', { HTTP_MAX_CONNECTIONS_PER_ADDRESS: '2048', ...env }, { readyPath: '/health', portVar: 'PORT', label });

export const startLogger = (env: NodeJS.ProcessEnv, label?: string) =>
  startApp('activity-logger', env, { readyPath: process.env.BENCH_LOGGER_READY ?? '/health/ready', portVar: 'LOGGER_HTTP_PORT', label });
