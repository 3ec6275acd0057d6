/**
 * Polling until something holds: one loop for the tests' `eventually` (the check throws,
 * jest's expect included, until it holds) and the bench's `until` (the check returns a
 * value once there is one). No jest here: the bench uses this file too.
 */
export interface EventuallyOptions {
  /** Give up after this many ms (default 30 s). */
  timeout?: number;
  /** Wait this long between attempts (default 100 ms). */
  interval?: number;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `fn` until it returns without throwing, and returns its value. `fn` holds the
 * assertions (jest's expect throws): after the deadline the last assertion error is
 * thrown, so the failure says what was still wrong, not merely that time ran out.
 */
export async function eventually<T>(fn: () => T | Promise<T>, { timeout = 30_000, interval = 100 }: EventuallyOptions = {}): Promise<T> {
  const deadline = Date.now() + timeout;
  let attempts = 0;
  for (;;) {
    attempts += 1;
    try {
      return await fn();
    } catch (err) {
      if (Date.now() + interval > deadline) {
        const error = err instanceof Error ? err : new Error(String(err));
        error.message = `still failing after ${timeout} ms (${attempts} attempts): ${error.message}`;
        throw error;
      }
    }
    await sleep(interval);
  }
}

/** Thrown by `until`'s check while there is no value yet: not an error worth reporting. */
class NotYet extends Error {}

/**
 * Polls `check` until it returns a value other than undefined/false, and returns it; after
 * `timeoutMs` throws "timed out … waiting for <what>" with the last error `check` threw.
 */
export async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number, intervalMs = 100): Promise<T> {
  let lastError: string | undefined;
  try {
    return await eventually(
      async () => {
        let v: T | undefined | false;
        try {
          v = await check();
        } catch (e) {
          lastError = (e as Error).message; // kept as it was: eventually rewrites what it throws
          throw new NotYet();
        }
        if (v === undefined || v === false) throw new NotYet();
        return v;
      },
      // eventually stops one interval before the deadline; until tried once past it.
      { timeout: timeoutMs + intervalMs, interval: intervalMs },
    );
  } catch {
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ''}`);
  }
}
