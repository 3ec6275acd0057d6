import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppName, runAppToExit, spawnApp, stopAllApps, waitReady } from '../../test/kit/apps';
import { CONFIG, OUT_DIR } from './config';
import { log } from './log';

export type { AppName };

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

/** Every app process still running, for the signal handler. */
export const stopAll = () => stopAllApps(5_000);

function statusField(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Runs `node dist/apps/<app>/main.js [args]` to completion (migrations). */
export async function runOnce(app: AppName, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { code, output } = await runAppToExit(app, args, { ...process.env, ...env });
  if (code !== 0) throw new Error(`${app} ${args.join(' ')} exited ${code}:\n${output.slice(-3000)}`);
  return output;
}

let seq = 0;

/**
 * Starts a built app on an ephemeral port and waits until its readiness path answers 200.
 * With BENCH_PROFILE=1 it runs under --cpu-prof (the profile is written on a clean exit).
 */
export async function startApp(
  app: AppName,
  env: NodeJS.ProcessEnv,
  opts: { readyPath: string; portVar: string; label?: string; distDir?: string; nodeFlags?: readonly string[] },
): Promise<App> {
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
  const child = spawnApp(app, {
    distDir: opts.distDir,
    // The app's own node flags (scripts/lib/node-flags.js) unless a flags A/B replaces them.
    nodeFlags: opts.nodeFlags,
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env, [opts.portVar]: '0' },
    nodeArgs,
    keepLines: 300,
  });
  const { pid, exited, output } = child;
  let sampledPeak = 0;
  const sampler = setInterval(() => {
    const rss = statusField(pid, 'VmRSS');
    if (rss > sampledPeak) sampledPeak = rss;
  }, 100);
  sampler.unref();
  void exited.then(() => clearInterval(sampler));
  let hwmResettable = true;

  const stop = (graceMs = 15_000) => child.stop(graceMs, () => log(`${name} still running ${graceMs} ms after SIGTERM: SIGKILL`));
  try {
    const url = await waitReady(child, name, opts.readyPath, { timeout: 60_000, interval: 50 });
    // Beside the profile: how long start-up took, so the summary can leave it out.
    if (profileFile) writeFileSync(`${profileFile}.json`, JSON.stringify({ name, readyAfterMs: Date.now() - spawnedAt }));
    return {
      name,
      app,
      pid,
      port: child.port()!,
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
export const startApi = (env: NodeJS.ProcessEnv, label?: string, distDir?: string, nodeFlags?: readonly string[]) =>
  startApp('crm-api', { HTTP_MAX_CONNECTIONS_PER_ADDRESS: '2048', ...env }, { readyPath: '/health', portVar: 'PORT', label, distDir, nodeFlags });

export const startLogger = (env: NodeJS.ProcessEnv, label?: string, distDir?: string, nodeFlags?: readonly string[]) =>
  startApp('activity-logger', env, { readyPath: process.env.BENCH_LOGGER_READY ?? '/health/ready', portVar: 'LOGGER_HTTP_PORT', label, distDir, nodeFlags });
