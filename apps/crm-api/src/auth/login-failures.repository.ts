import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

/** A live window of crm.login_failures: its failures so far and the seconds until it ends. */
export interface FailureWindow {
  key: string;
  failures: number;
  waitSeconds: number;
}

/**
 * crm.login_failures: counting windows keyed by a string (login-limiter.ts decides the
 * keys and the limits). Every statement is one atomic upsert or delete, so replicas share
 * one budget without a lock.
 */
@Injectable()
export class LoginFailuresRepository {
  constructor(private readonly em: EntityManager) {}

  /** The windows among `keys` that have not ended yet. */
  async liveWindows(keys: string[]): Promise<FailureWindow[]> {
    if (!keys.length) return [];
    const rows = await this.em.execute<{ key: string; failures: number; wait: string }[]>(
      `select key, failures, ceil(extract(epoch from reset_at - now())) as wait from crm.login_failures
       where key in (${keys.map(() => '?').join(', ')}) and reset_at > now()`,
      keys,
    );
    return rows.map((r) => ({ key: r.key, failures: Number(r.failures), waitSeconds: Number(r.wait) }));
  }

  /** One more failure in each window, or a new window of 1 where there is none or it ended. */
  async countFailure(windows: { key: string; seconds: number }[]): Promise<void> {
    if (!windows.length) return;
    await this.em.execute(
      `insert into crm.login_failures as f (key, failures, reset_at)
       values ${windows.map(() => '(?, 1, now() + make_interval(secs => ?))').join(', ')}
       on conflict (key) do update set
         failures = case when f.reset_at <= now() then 1 else f.failures + 1 end,
         reset_at = case when f.reset_at <= now() then excluded.reset_at else f.reset_at end`,
      windows.flatMap((w) => [w.key, w.seconds]),
    );
  }

  /**
   * Takes the slot `key` for `seconds` when it is free (never taken, or its time is up):
   * true when this call took it. Atomic across replicas: of two racing, one gets it.
   */
  async takeSlot(key: string, seconds: number): Promise<boolean> {
    const taken = await this.em.execute(
      `insert into crm.login_failures as f (key, failures, reset_at) values (?, 0, now() + make_interval(secs => ?))
       on conflict (key) do update set reset_at = excluded.reset_at where f.reset_at <= now()
       returning key`,
      [key, seconds],
    );
    return taken.length > 0;
  }

  /** In one statement: `forget` is gone, and `mark` is (re)set to last `seconds` from now. */
  async forgetAndMark(forget: string, mark: string, seconds: number): Promise<void> {
    await this.em.execute(
      `with gone as (delete from crm.login_failures where key = ?)
       insert into crm.login_failures (key, failures, reset_at) values (?, 0, now() + make_interval(secs => ?))
       on conflict (key) do update set reset_at = excluded.reset_at`,
      [forget, mark, seconds],
    );
  }

  /** Removes every window that has ended. */
  async deleteEnded(): Promise<void> {
    await this.em.execute('delete from crm.login_failures where reset_at <= now()');
  }
}
