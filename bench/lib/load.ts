import { readFileSync } from 'node:fs';
import os from 'node:os';
import { log, sleep } from './log';
import { median } from './stats';

/**
 * The machine is shared (other engineers build and test on it): a benchmark on a busy
 * machine measures the others. Before starting, wait (up to `maxWaitS`) for the 1-minute
 * load average to fall below half the cores; during the run, sample it, so the results
 * say how quiet the machine was.
 */
export async function waitForQuiet(maxWaitS: number) {
  const limit = Math.max(1, os.cpus().length * 0.5);
  const deadline = Date.now() + maxWaitS * 1000;
  let said = false;
  for (;;) {
    const l1 = os.loadavg()[0];
    if (l1 < limit) return { waitedS: 0, load1: l1, quiet: true };
    if (Date.now() > deadline) {
      log(`machine still busy (load ${l1.toFixed(2)} ≥ ${limit}) after ${maxWaitS} s: measuring anyway; the figures will show it`);
      return { load1: l1, quiet: false };
    }
    if (!said) log(`machine busy (1-min load ${l1.toFixed(2)}, ${os.cpus().length} cores): waiting up to ${maxWaitS} s for it to settle below ${limit}`);
    said = true;
    await sleep(5_000);
  }
}

export class LoadSampler {
  private readonly samples: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 2_000) {
    this.timer = setInterval(() => {
      try {
        this.samples.push(Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]));
      } catch {
        this.samples.push(os.loadavg()[0]);
      }
    }, intervalMs);
    this.timer.unref();
  }

  stop() {
    clearInterval(this.timer);
    const s = this.samples;
    return s.length ? { samples: s.length, min: Math.min(...s), median: median(s), max: Math.max(...s) } : null;
  }
}
