import { EntityManager } from '@mikro-orm/postgresql';

/** At most this many failed logins per (address, email) in a window... */
export const LOGIN_MAX_FAILURES = 10;
/** ...after which even the right password gets 429 until the window ends (LOGIN_WINDOW_SECONDS). */
export const LOGIN_WINDOW_SECONDS = 60;
/** Expired windows are swept by whichever replica notices, at most this often. */
const SWEEP_EVERY_MS = 60_000;

/**
 * Slows password guessing: at most `max` failed logins per key (address and email) in a
 * window, then 429 until the window ends. Only failures count, so a script that logs in
 * correctly many times is never blocked. Kept in PostgreSQL (crm.login_failures), so the
 * budget is one for all crm-api replicas, not one per replica; a failure is one upsert,
 * and a success one delete.
 */
export class LoginLimiter {
  private lastSweep = 0;

  constructor(
    private readonly em: EntityManager,
    private readonly max = LOGIN_MAX_FAILURES,
    private readonly windowSeconds = LOGIN_WINDOW_SECONDS,
  ) {}

  /** Seconds until the key may try again, or 0 when it may try now. */
  async retryAfter(key: string): Promise<number> {
    const rows = await this.em.getConnection().execute<{ wait: string }[]>(
      `select ceil(extract(epoch from reset_at - now())) as wait from crm.login_failures
       where key = ? and reset_at > now() and failures >= ?`,
      [key, this.max],
    );
    return rows.length ? Math.max(1, Number(rows[0].wait)) : 0;
  }

  /** One more failure: a new window when there is none (or it ended), else one more in it. */
  async fail(key: string): Promise<void> {
    await this.em.getConnection().execute(
      `insert into crm.login_failures as f (key, failures, reset_at)
       values (?, 1, now() + make_interval(secs => ?))
       on conflict (key) do update set
         failures = case when f.reset_at <= now() then 1 else f.failures + 1 end,
         reset_at = case when f.reset_at <= now() then excluded.reset_at else f.reset_at end`,
      [key, this.windowSeconds],
    );
    await this.sweep();
  }

  async succeed(key: string): Promise<void> {
    await this.em.getConnection().execute('delete from crm.login_failures where key = ?', [key]);
  }

  /** Ended windows are gone from the table within a minute or so of the next failure. */
  private async sweep(): Promise<void> {
    if (Date.now() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = Date.now();
    await this.em.getConnection().execute('delete from crm.login_failures where reset_at <= now()');
  }
}
