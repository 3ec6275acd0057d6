import { resolve } from 'node:path';
import { ROOT } from './config';
import { median } from './stats';

/** A side of an interleaved A/B: 'A', 'B' and, when BENCH_C_DIST is set, 'C'. */
export type Side = string;

/**
 * The builds an A/B compares, from the environment: BENCH_A_DIST (required: a copy of an
 * earlier `dist/` kept inside the repository, so it finds node_modules), BENCH_B_DIST
 * (`dist/` by default), BENCH_C_DIST (a third, optional); BENCH_<side>_NODE_OPTIONS runs
 * one side with other V8 flags (the same build on two sides then compares flags), and
 * BENCH_<side>_NODE_FLAGS replaces the app's own node flags (scripts/lib/node-flags.js) for
 * V8 flags NODE_OPTIONS refuses (set, even empty: these instead; unset: the app's own).
 */
export function abBuilds() {
  const aDist = process.env.BENCH_A_DIST;
  if (!aDist) throw new Error('BENCH_A_DIST: the directory of the A build (a copy of dist/ inside the repository)');
  const dists: Record<Side, string> = { A: resolve(ROOT, aDist), B: resolve(ROOT, process.env.BENCH_B_DIST ?? 'dist') };
  if (process.env.BENCH_C_DIST) dists.C = resolve(ROOT, process.env.BENCH_C_DIST);
  return {
    dists,
    sides: Object.keys(dists),
    nodeOptions: sideNodeOptions,
    nodeFlags: sideNodeFlags,
    label: sideLabel,
  };
}

const sideNodeOptions = (side: Side): string | undefined => process.env[`BENCH_${side}_NODE_OPTIONS`];

/** A side as an A/B table's row names it: `A`, or `A (its NODE_OPTIONS; flags: …; what else differs)`. */
function sideLabel(side: Side, ...more: (string | undefined)[]): string {
  const flags = sideNodeFlags(side);
  const what = [sideNodeOptions(side), flags && `flags: ${flags.join(' ') || 'none'}`, ...more].filter(Boolean).join('; ');
  return what ? `${side} (${what})` : side;
}

/** BENCH_<side>_NODE_FLAGS, space-separated: that side's app flags (set, even empty: these instead of the app's own; unset: undefined). */
export const sideNodeFlags = (side: Side): string[] | undefined => process.env[`BENCH_${side}_NODE_FLAGS`]?.split(/\s+/).filter(Boolean);

/** `median (min–max)` of `v`, to `digits` decimals: how an A/B's table cells read. */
export const medianRange = (v: number[], digits: number) => `${median(v).toFixed(digits)} (${Math.min(...v).toFixed(digits)}–${Math.max(...v).toFixed(digits)})`;
