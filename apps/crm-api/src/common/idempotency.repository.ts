import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';

/** An answer as stored under a key, replayed byte for byte. */
export interface StoredAnswer {
  status: number;
  /** The exact JSON text sent, or null for no body. */
  body: string | null;
  headers: Record<string, string>;
}

/**
 * crm.idempotency_keys: one answer per (user, key) for IDEMPOTENCY_TTL_HOURS. Inside
 * `transaction` every method runs in that transaction (the EntityManager resolves to it),
 * and so do the handler's own writes: the answer and the write commit together.
 */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly em: EntityManager) {}

  /** Runs `work` in one transaction (rolled back when it throws). */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.em.transactional(() => work());
  }

  /** The transaction's advisory lock on `lockId`, without waiting: false when another transaction holds it. */
  async tryLock(lockId: string): Promise<boolean> {
    const [{ locked }] = await this.em.execute<{ locked: boolean }[]>('select pg_try_advisory_xact_lock(?::bigint) as locked', [lockId]);
    return locked;
  }

  /** The answer stored under the key within the last `ttlHours`, with the fingerprint of its request; else null. */
  async findLive(userId: string, key: string, ttlHours: number): Promise<(StoredAnswer & { fingerprint: string }) | null> {
    const [found] = await this.em.execute<{ fingerprint: string; status: number; body: string | null; headers: Record<string, string> | null }[]>(
      `select fingerprint, status, body, headers from crm.idempotency_keys where user_id = ? and key = ? and created_at > now() - make_interval(hours => ?)`,
      [userId, key, ttlHours],
    );
    return found ? { fingerprint: found.fingerprint, status: found.status, body: found.body, headers: found.headers ?? {} } : null;
  }

  /** Stores the answer under the key, replacing whatever row (an expired one) was there. */
  async save(userId: string, key: string, fingerprint: string, answer: StoredAnswer): Promise<void> {
    await this.em.execute(
      `insert into crm.idempotency_keys (user_id, key, fingerprint, status, body, headers) values (?, ?, ?, ?, ?, ?::jsonb)
       on conflict (user_id, key) do update set fingerprint = excluded.fingerprint, status = excluded.status, body = excluded.body,
         headers = excluded.headers, created_at = now()`,
      [userId, key, fingerprint, answer.status, answer.body, JSON.stringify(answer.headers)],
    );
  }

  /** Replaces the answer stored under the key (its fingerprint and age stay). */
  async replaceAnswer(userId: string, key: string, answer: StoredAnswer): Promise<void> {
    await this.em.execute(`update crm.idempotency_keys set status = ?, body = ?, headers = ?::jsonb where user_id = ? and key = ?`, [
      answer.status,
      answer.body,
      JSON.stringify(answer.headers),
      userId,
      key,
    ]);
  }

  /** Stores a refusal (no headers) under the key unless a row younger than `ttlHours` is there. */
  async saveRefusal(userId: string, key: string, fingerprint: string, status: number, body: string, ttlHours: number): Promise<void> {
    await this.em.execute(
      `insert into crm.idempotency_keys (user_id, key, fingerprint, status, body) values (?, ?, ?, ?, ?)
       on conflict (user_id, key) do update set fingerprint = excluded.fingerprint, status = excluded.status, body = excluded.body,
         headers = excluded.headers, created_at = now()
       where crm.idempotency_keys.created_at <= now() - make_interval(hours => ?)`,
      [userId, key, fingerprint, status, body, ttlHours],
    );
  }

  /** Removes the keys older than `ttlHours`. */
  async deleteOlderThan(ttlHours: number): Promise<void> {
    await this.em.execute(`delete from crm.idempotency_keys where created_at <= now() - make_interval(hours => ?)`, [ttlHours]);
  }
}
