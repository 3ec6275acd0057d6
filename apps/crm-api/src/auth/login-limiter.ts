/**
 * Slows password guessing: at most `max` failed logins per (IP, email) in a window;
 * then 429 until the window ends. Only failures count, so a script that logs in
 * correctly many times is never blocked. In memory, per replica: with N replicas
 * behind a balancer an attacker gets at most N times the budget, which still stops
 * brute force; a shared store would be the next step.
 */
export class LoginLimiter {
  private readonly windows = new Map<string, { failures: number; resetAt: number }>();

  constructor(
    private readonly max = 10,
    private readonly windowMs = 60_000,
  ) {}

  /** Seconds until the key may try again, or 0 when it may try now. */
  retryAfter(key: string, now = Date.now()): number {
    const w = this.windows.get(key);
    if (!w || w.resetAt <= now) return 0;
    return w.failures >= this.max ? Math.ceil((w.resetAt - now) / 1000) : 0;
  }

  fail(key: string, now = Date.now()): void {
    const w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      if (this.windows.size >= 10_000) this.sweep(now);
      this.windows.set(key, { failures: 1, resetAt: now + this.windowMs });
    } else {
      w.failures += 1;
    }
  }

  succeed(key: string): void {
    this.windows.delete(key);
  }

  private sweep(now: number) {
    for (const [key, w] of this.windows) if (w.resetAt <= now) this.windows.delete(key);
  }
}
