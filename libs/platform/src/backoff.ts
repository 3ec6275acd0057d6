/** Exponential backoff with full jitter: attempt 0 -> ~base, doubling up to max. */
export function backoffDelay(attempt: number, baseMs = 100, maxMs = 10_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());
