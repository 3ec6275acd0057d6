export interface EventuallyOptions {
  /** Give up after this many ms (default 30 s). */
  timeout?: number;
  /** Wait this long between attempts (default 100 ms). */
  interval?: number;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
    await pause(interval);
  }
}
