/** Order statistics over plain arrays of numbers (no interpolation tricks: nearest rank). */

export function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Nearest-rank percentile, p in [0, 100]. NaN for an empty sample. */
export function percentile(values: readonly number[], p: number, alreadySorted = false): number {
  if (values.length === 0) return NaN;
  const s = alreadySorted ? values : sorted(values);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = sorted(values);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function summarize(runs: readonly number[]): Summary {
  return { median: median(runs), min: Math.min(...runs), max: Math.max(...runs), runs: [...runs] };
}

/** Latency sample helper: p50/p99/max and count, all in the sample's unit. */
export function latencyProfile(values: readonly number[]) {
  const s = sorted(values);
  return {
    count: s.length,
    p50: percentile(s, 50, true),
    p90: percentile(s, 90, true),
    p99: percentile(s, 99, true),
    max: s.length ? s[s.length - 1] : NaN,
  };
}
