import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CHANNELS } from '@app/contracts';
import { randomUUID } from 'node:crypto';
import { ApiKeysRepository } from '../api-keys/api-keys.repository';
import type { Caller, Role } from '../common/request-context';
import { ApiConfig } from '../config/api.config';
import { DomainError } from '../common/domain-error';
import { ThrottledWarning } from '../common/throttled-warning';
import { SessionsListener } from './sessions.listener';
import { SessionsRepository } from './sessions.repository';

/** The channel every replica LISTENs on for ended sessions and changed users. */
const CHANNEL = CHANNELS.sessions;
/**
 * Open streams' sessions are also re-checked this often (one query for all of a replica's
 * streams, only while there are any): what no NOTIFY announces (a user or session deleted
 * in the database by hand, a notification lost) still ends a stream within this time.
 */
const RECHECK_MS = 5_000;
/** Ended sessions are removed this long after their end. */
const ENDED_KEPT_SECONDS = 3600;

/** What a NOTIFY on CHANNEL says: end the streams of this session, or of every session of this user (but one). */
interface Ended {
  session?: string;
  user?: string;
  except?: string;
}

/** A live stream, ended when its session is. */
interface Tracked {
  caller: Caller;
  end: () => void;
}

/**
 * Server-side sessions (docs/decisions.md): a token names its session; every request
 * looks it up with its user (one primary-key join, no cache, so a disabled user, a
 * revoked session or a changed role count from the next request on, on every replica).
 * Open streams are held here: a revocation NOTIFYs every replica, which ends the
 * streams concerned at once; one that expires ends at its expiry.
 */
@Injectable()
export class SessionsService implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger(SessionsService.name);
  private readonly streams = new Set<Tracked>();
  private readonly recheckFailed = new ThrottledWarning(this.log);
  private recheckTimer?: NodeJS.Timeout;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly keys: ApiKeysRepository,
    private readonly listener: SessionsListener,
    private readonly config: ApiConfig,
  ) {}

  onModuleInit() {
    this.listener.start(
      (payload) => this.onEnded(payload),
      () => void this.recheck(),
    );
    this.recheckTimer = setInterval(() => void this.recheck(), RECHECK_MS);
    this.recheckTimer.unref();
  }

  async onApplicationShutdown() {
    clearInterval(this.recheckTimer);
    await this.listener.stop();
  }

  /** A new session for the user, ending when the token does. */
  async open(userId: string): Promise<string> {
    const id = randomUUID();
    await this.sessions.insert(id, userId, this.config.JWT_TTL_SECONDS);
    // Ended sessions leave with the logins that follow them.
    await this.sessions.deleteEndedBefore(ENDED_KEPT_SECONDS);
    return id;
  }

  /** The caller a live session stands for, or null (no such session, expired, user disabled). */
  async caller(sessionId: string, userId: string): Promise<Caller | null> {
    const user = await this.sessions.liveUser(sessionId, userId);
    return user && { ...user, kind: 'user', sessionId };
  }

  /** Ends one session (logout). */
  async end(sessionId: string): Promise<void> {
    await this.sessions.delete(sessionId);
    await this.notify({ session: sessionId });
  }

  /** Ends every session of a user but `except` (a password change keeps the session it was made in). */
  async endAllOf(userId: string, except?: string): Promise<void> {
    await this.sessions.deleteAllOf(userId, except);
    await this.notify({ user: userId, except });
  }

  /** The user's rights changed (a new role): their open streams end, to be reopened under the new rights. */
  async rightsChanged(userId: string): Promise<void> {
    await this.notify({ user: userId });
  }

  /**
   * Holds a live stream until it ends: at its session's expiry, or when its session is
   * ended on any replica. Past `maxPerUser` streams of the same user on this replica,
   * a 429. Returns the function that lets go of it.
   */
  track(caller: Caller, end: () => void, maxPerUser = Infinity): () => void {
    let open = 0;
    for (const s of this.streams) if (s.caller.id === caller.id) open += 1;
    if (open >= maxPerUser) throw new DomainError('rate_limited', `at most ${maxPerUser} open streams per user (this replica): close one first`, 5);
    const tracked: Tracked = { caller, end };
    this.streams.add(tracked);
    // An API key has no expiry: its stream lasts until the key is revoked or the client leaves.
    const left = caller.kind === 'api_key' ? null : (caller.expiresAt?.getTime() ?? Date.now()) - Date.now();
    const timer = left === null ? undefined : setTimeout(end, Math.max(0, Math.min(left, 2 ** 31 - 1)));
    return () => {
      if (timer) clearTimeout(timer);
      this.streams.delete(tracked);
    };
  }

  private async notify(ended: Ended): Promise<void> {
    await this.sessions.notify(CHANNEL, JSON.stringify(ended));
  }

  private onEnded(payload: string | undefined): void {
    let ended: Ended;
    try {
      ended = JSON.parse(payload ?? '') as Ended;
    } catch {
      return;
    }
    for (const s of this.streams) {
      const { id, sessionId } = s.caller;
      // A key's stream has no session: an absent field of the notice must not match its absent sessionId.
      const bySession = ended.session !== undefined && ended.session === sessionId;
      const byUser = ended.user === id && (ended.except === undefined || ended.except !== sessionId);
      if (bySession || byUser) s.end();
    }
  }

  /**
   * Every held stream's session (or key) and role, checked in a query or two; the stale ones end. Run
   * every RECHECK_MS and after the LISTEN connection was (re)opened (notifications sent
   * while it was down are lost). While the database is away the streams stay open (their
   * polls fail alike) and one warning per 10 s says so.
   */
  private async recheck(): Promise<void> {
    if (!this.streams.size) return;
    const held = [...this.streams];
    try {
      const live = new Map([...(await this.liveSessions(held)), ...(await this.liveKeys(held))]);
      for (const s of held) if (live.get(s.caller.apiKeyId ?? s.caller.sessionId ?? '') !== s.caller.role) s.end();
    } catch (e) {
      this.recheckFailed.warn({ msg: 'could not re-check the sessions of open streams', error: (e as Error).message });
    }
  }

  /** The role of each live session among the held streams' (outside any request: plain statements, no entity loaded). */
  private async liveSessions(held: Tracked[]): Promise<Map<string, Role>> {
    const ids = [...new Set(held.filter((s) => s.caller.kind !== 'api_key').flatMap((s) => (s.caller.sessionId ? [s.caller.sessionId] : [])))];
    return this.sessions.liveRoles(ids);
  }

  /** The role of each unrevoked key among the held streams'. */
  private liveKeys(held: Tracked[]): Promise<Map<string, Role>> {
    return this.keys.liveRoles([...new Set(held.flatMap((s) => (s.caller.apiKeyId ? [s.caller.apiKeyId] : [])))]);
  }
}
