/**
 * The most attempts an exponential backoff with full jitter (libs/platform backoffDelay:
 * each wait at least half its ceiling, the ceiling doubling from `baseMs` up to `maxMs`)
 * can make within `elapsedMs`. A bound that grows with the time actually observed: a
 * loaded machine that stretches the window raises it, instead of breaking the test.
 */
export function backoffAttemptsWithin(elapsedMs: number, baseMs: number, maxMs: number): number {
  let attempts = 1; // the first try waits for nothing
  let waited = 0;
  for (let i = 0; ; i += 1) {
    waited += Math.min(maxMs, baseMs * 2 ** i) / 2;
    if (waited > elapsedMs) return attempts;
    attempts += 1;
  }
}
