import { Injectable } from '@nestjs/common';
import { ApiConfig } from '../config/api.config';
import { LoginFailuresRepository } from './login-failures.repository';

/** At most this many failed logins per (address, email) in a window... */
export const LOGIN_MAX_FAILURES = 10;
/** ...after which even the right password gets 429 from that address until the window ends (LOGIN_WINDOW_SECONDS). */
export const LOGIN_WINDOW_SECONDS = 60;
/** Failures from one address, whatever the emails, before that address gets 429 for the rest of the window. */
export const ADDRESS_MAX_FAILURES = 30;
/** Failures of one account from all addresses in ACCOUNT_WINDOW_SECONDS before it is slowed down... */
export const ACCOUNT_MAX_FAILURES = 30;
export const ACCOUNT_WINDOW_SECONDS = 15 * 60;
/** ...to one attempt per this many seconds, from addresses it has not signed in from lately. */
export const ACCOUNT_SLOWDOWN_SECONDS = 2;
/** An address the account signed in from is "known" this long: the slowdown does not apply to it. */
const KNOWN_ADDRESS_SECONDS = 30 * 24 * 3600;
/** Expired windows are swept by whichever replica notices, at most this often. */
const SWEEP_EVERY_MS = 60_000;

/**
 * Slows password guessing (docs/decisions.md, "Untrusted clients"). Counted in
 * PostgreSQL (crm.login_failures), so the budget is one for all replicas; only failures
 * count, so a script that signs in correctly is never blocked.
 *  - per (address, email): LOGIN_MAX_FAILURES a minute, then 429 for that pair only;
 *  - per address: ADDRESS_MAX_FAILURES a minute whatever the emails (trying many accounts);
 *  - per account, from every address: past ACCOUNT_MAX_FAILURES in 15 minutes, one attempt
 *    per ACCOUNT_SLOWDOWN_SECONDS for the whole account (a crowd of addresses), except from
 *    an address that signed in to it before. It never locks: the owner waits seconds at
 *    worst, and not at all from where they usually sign in.
 * Rows are keyed by kind: `p|ip|email`, `a|ip`, `u|email`, `s|email` (the slowdown's next
 * slot) and `k|ip|email` (a known address).
 */
@Injectable()
export class LoginLimiter {
  private lastSweep = 0;
  /** The pair's and the address's window (LOGIN_WINDOW_SECONDS). */
  private readonly windowSeconds: number;

  constructor(
    private readonly failures: LoginFailuresRepository,
    config: ApiConfig,
  ) {
    this.windowSeconds = config.LOGIN_WINDOW_SECONDS;
  }

  /** Seconds until this attempt may be made, or 0 when it may be made now (it then takes the account's slot, if slowed). */
  async retryAfter(ip: string, email: string): Promise<number> {
    const keys = { pair: `p|${ip}|${email}`, address: `a|${ip}`, account: `u|${email}`, known: `k|${ip}|${email}` };
    const rows = await this.failures.liveWindows(Object.values(keys));
    const row = (key: string) => rows.find((r) => r.key === key);
    const over = (key: string, max: number) => {
      const r = row(key);
      return r && r.failures >= max ? Math.max(1, r.waitSeconds) : 0;
    };
    const wait = Math.max(over(keys.pair, LOGIN_MAX_FAILURES), over(keys.address, ADDRESS_MAX_FAILURES));
    if (wait > 0 || !over(keys.account, ACCOUNT_MAX_FAILURES) || row(keys.known)) return wait;
    // Slowed down: take the account's next slot if it is free, atomically across replicas.
    return (await this.failures.takeSlot(`s|${email}`, ACCOUNT_SLOWDOWN_SECONDS)) ? 0 : ACCOUNT_SLOWDOWN_SECONDS;
  }

  /** One more failure of each count: a new window when there is none (or it ended), else one more in it. */
  async fail(ip: string, email: string): Promise<void> {
    await this.failures.countFailure([
      { key: `p|${ip}|${email}`, seconds: this.windowSeconds },
      { key: `a|${ip}`, seconds: this.windowSeconds },
      { key: `u|${email}`, seconds: ACCOUNT_WINDOW_SECONDS },
    ]);
    await this.sweep();
  }

  /** The pair starts afresh, and the address becomes a known one for the account. */
  async succeed(ip: string, email: string): Promise<void> {
    await this.failures.forgetAndMark(`p|${ip}|${email}`, `k|${ip}|${email}`, KNOWN_ADDRESS_SECONDS);
  }

  /** Ended windows are gone from the table within a minute or so of the next failure. */
  private async sweep(): Promise<void> {
    if (Date.now() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = Date.now();
    await this.failures.deleteEnded();
  }
}
