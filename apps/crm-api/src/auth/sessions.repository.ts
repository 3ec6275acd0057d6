import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { namedQuery } from '../database/named-query';
import type { Role } from '../common/request-context';

/** The user a live session stands for, as a request sees it. */
export interface SessionUser {
  id: string;
  name: string;
  email: string;
  role: Role;
  expiresAt: Date;
}

/**
 * crm.sessions (server-side sessions, docs/decisions.md). Plain statements through the
 * request's EntityManager: no entity is loaded, and the statements also run outside a
 * request (the streams' re-check).
 */
@Injectable()
export class SessionsRepository {
  constructor(private readonly em: EntityManager) {}

  /** A session `id` of the user, ending `ttlSeconds` from now (the database's clock). */
  async insert(id: string, userId: string, ttlSeconds: number): Promise<void> {
    await this.em.execute(`insert into crm.sessions (id, user_id, expires_at) values (?, ?, now() + make_interval(secs => ?))`, [id, userId, ttlSeconds]);
  }

  /** Removes the sessions that ended over `graceSeconds` ago. */
  async deleteEndedBefore(graceSeconds: number): Promise<void> {
    await this.em.execute(`delete from crm.sessions where expires_at < now() - make_interval(secs => ?)`, [graceSeconds]);
  }

  /** The user of a live session of theirs: null when there is none, it expired, or the user is disabled. */
  async liveUser(sessionId: string, userId: string): Promise<SessionUser | null> {
    // Every request runs it: a named statement (database/named-query.ts).
    const rows = await namedQuery<{ id: string; name: string; email: string; role: Role; expires_at: Date }>(
      this.em,
      'session_live_user',
      `select u.id, u.name, u.email, u.role, s.expires_at from crm.sessions s join crm.users u on u.id = s.user_id
       where s.id = $1 and s.user_id = $2 and s.expires_at > now() and u.disabled_at is null`,
      [sessionId, userId],
    );
    if (!rows.length) return null;
    const r = rows[0];
    return { id: r.id, name: r.name, email: r.email, role: r.role, expiresAt: new Date(r.expires_at) };
  }

  async delete(sessionId: string): Promise<void> {
    await this.em.execute('delete from crm.sessions where id = ?', [sessionId]);
  }

  /** Removes every session of the user but `except`. */
  async deleteAllOf(userId: string, except?: string): Promise<void> {
    await this.em.execute(`delete from crm.sessions where user_id = ?${except ? ' and id <> ?' : ''}`, except ? [userId, except] : [userId]);
  }

  /** The role of each of `ids` that is a live session of an enabled user; the others are absent. */
  async liveRoles(ids: string[]): Promise<Map<string, Role>> {
    if (!ids.length) return new Map();
    const rows = await this.em.execute<{ id: string; role: Role }[]>(
      `select s.id, u.role from crm.sessions s join crm.users u on u.id = s.user_id
       where s.id in (${ids.map(() => '?').join(', ')}) and s.expires_at > now() and u.disabled_at is null`,
      ids,
    );
    return new Map(rows.map((r) => [r.id, r.role]));
  }

  /** NOTIFY `channel` (every replica LISTENs): sent with the transaction, if one is open. */
  async notify(channel: string, payload: string): Promise<void> {
    await this.em.execute('select pg_notify(?, ?)', [channel, payload]);
  }
}
