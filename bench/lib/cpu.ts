import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU accounting from /proc, to say where a figure's time went: the CPU each process
 * of the pipeline used over a window, and the whole machine's (which shows what other
 * engineers' work took of the two cores meanwhile). Linux only; zeros elsewhere.
 */
const TICK_MS = 10; // USER_HZ is 100 on Linux

export function procCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
  } catch {
    return 0;
  }
}

/** Busy and total CPU time of the machine, all cores, in ms. */
export function machineCpuMs(): { busy: number; total: number } {
  try {
    const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const n = v.map(Number);
    const idle = n[3] + (n[4] ?? 0); // idle + iowait
    const total = n.slice(0, 8).reduce((a, b) => a + b, 0); // user..steal (guest is inside user)
    return { busy: (total - idle) * TICK_MS, total: total * TICK_MS };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/**
 * RabbitMQ's server: its beam.smp boots `rabbit`. rabbitmqctl is a beam.smp too (the tests
 * create vhosts with it all the time): short-lived, it is not the broker's cost.
 */
export function rabbitmqPids(): number[] {
  const server = pidsMatching(/beam\.smp.*-s rabbit boot/);
  return server.length ? server : pidsMatching(/beam\.smp.*rabbit/);
}

/** Pids whose command line matches, e.g. RabbitMQ's beam.smp. */
export function pidsMatching(re: RegExp): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (re.test(readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' '))) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

export interface CpuWindow {
  wallMs: number;
  /** CPU ms per named group over the window. */
  groups: Record<string, number>;
  machineBusyMs: number;
  machineTotalMs: number;
}

/** Snapshot now; `end()` gives the CPU each group used since, and the machine's. */
export function cpuWindow(groups: Record<string, () => number[]>) {
  const start = new Map<number, number>();
  const snap = () => {
    for (const pids of Object.values(groups)) for (const p of pids()) if (!start.has(p)) start.set(p, procCpuMs(p));
  };
  snap();
  const m0 = machineCpuMs();
  const t0 = Date.now();
  return {
    /** Processes that appear later (e.g. database backends) count from 0 or from their first sighting here. */
    track: snap,
    end(): CpuWindow {
      const m1 = machineCpuMs();
      const out: Record<string, number> = {};
      // A process gone meanwhile reads 0: its CPU since the start is unknown, not negative.
      const used = (p: number) => Math.max(0, procCpuMs(p) - (start.get(p) ?? 0));
      for (const [name, pids] of Object.entries(groups)) out[name] = pids().reduce((s, p) => s + used(p), 0);
      return { wallMs: Date.now() - t0, groups: out, machineBusyMs: m1.busy - m0.busy, machineTotalMs: m1.total - m0.total };
    },
  };
}
