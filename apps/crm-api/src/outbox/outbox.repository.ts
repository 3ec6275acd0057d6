import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import type { CrmEvent, LogType } from '@app/contracts';
import { createPgPool, DbTimeouts } from '@app/platform';
import { newEntity } from '../common/insert-new';
import { OutboxEvent } from './outbox-event.entity';

export interface OutboxRow {
  id: string;
  type: string;
  payload: Record<string, unknown>;
}

export interface OutboxBacklog {
  pending: number;
  oldestAgeSeconds: number | null;
}

// Named statements: parsed and planned once per connection of the relay's pool, not at
// every round (pg_stat_statements under POST load: planning was a fifth of their server time).
const CLAIM = `select id, type, payload from crm.outbox where sent_at is null order by created_at limit $1 for update skip locked`;
const MARK_SENT = `update crm.outbox set sent_at = now() where id = any($1::uuid[])`;
const COUNT_ATTEMPT = `update crm.outbox set attempts = attempts + 1 where id = any($1::uuid[])`;

/**
 * The relay's own access to crm.outbox, on a small pool of its own: a claim holds its
 * transaction (and row locks) while the batch is in flight to the broker, which must not
 * starve the request pool. Rows are claimed with FOR UPDATE SKIP LOCKED, so any number
 * of relays (crm-api replicas) share the work without taking the same row twice.
 */
export class OutboxRepository {
  private readonly pool: Pool;

  /** At most 2 connections: the claim in flight, and the health check's count. */
  constructor(databaseUrl: string, timeouts: DbTimeouts, onLost: (error: Error) => void) {
    this.pool = createPgPool(databaseUrl, { max: 2, applicationName: 'crm-api outbox relay', timeouts, onLost });
  }

  /**
   * Claims up to `limit` unsent rows, hands them to `publish`, and in the same
   * transaction marks sent exactly the ids it returns. If `publish` throws, nothing
   * is marked and the locks are released for the next attempt.
   */
  async withClaimedBatch(limit: number, publish: (rows: OutboxRow[]) => Promise<{ sent: string[]; failed: string[] }>): Promise<number> {
    const client: PoolClient = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('begin');
      const { rows } = await client.query<OutboxRow>({ name: 'outbox-claim', text: CLAIM, values: [limit] });
      if (rows.length === 0) {
        await client.query('commit');
        return 0;
      }
      const { sent, failed } = await publish(rows);
      if (sent.length) await client.query({ name: 'outbox-mark-sent', text: MARK_SENT, values: [sent] });
      if (failed.length) await client.query({ name: 'outbox-count-attempt', text: COUNT_ATTEMPT, values: [failed] });
      await client.query('commit');
      return sent.length;
    } catch (e) {
      // The connection lost (between the claim and the mark-sent, say): the server rolls
      // back; whatever the broker confirmed is published again next round, and the
      // logger's dedup by event id keeps it logged once. A client whose rollback fails
      // is discarded, never handed out again.
      await client.query('rollback').catch(() => (broken = e as Error));
      throw e;
    } finally {
      client.release(broken);
    }
  }

  async backlog(): Promise<OutboxBacklog> {
    const { rows } = await this.pool.query<{ pending: string; oldest: string | null }>(
      `select count(*) as pending, extract(epoch from now() - min(created_at)) as oldest
       from crm.outbox where sent_at is null`,
    );
    return { pending: Number(rows[0].pending), oldestAgeSeconds: rows[0].oldest === null ? null : Number(rows[0].oldest) };
  }

  /** Sent rows are kept a while for inspection, then removed in small batches. */
  async purgeSent(olderThanHours: number): Promise<number> {
    const res = await this.pool.query(
      `delete from crm.outbox where id in (
         select id from crm.outbox where sent_at < now() - make_interval(hours => $1) limit 5000)`,
      [olderThanHours],
    );
    return res.rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

/**
 * The request side of crm.outbox: events join the current unit of work (a creation's
 * one-statement insert, or a change's), so they commit or roll back with the change they
 * describe. The EntityManager Nest injects resolves to that context itself.
 */
@Injectable()
export class OutboxEventsRepository {
  constructor(private readonly em: EntityManager) {}

  /** Inside `insertNew`'s build, added to its one statement; elsewhere to the current unit of work. */
  add(event: CrmEvent): void {
    const data = { id: event.id, type: event.type, payload: event };
    if (!newEntity(OutboxEvent, data)) this.em.persist(this.em.create(OutboxEvent, data));
  }

  /**
   * The latest change of the manual log `logId` crm-api accepted (edited or deleted), in
   * event time order. Raw SQL: it reads inside the payload, by the index on its log id
   * (migration 20261203000400), which the ORM has no words for.
   */
  async latestLogChange(logId: string): Promise<AcceptedLogChange | undefined> {
    const [latest] = await this.em.getConnection().execute<AcceptedLogChange[]>(
      `select id, type, payload->>'time' as time, payload->'data' as data from crm.outbox
        where (payload #>> '{data,log_id}') = ? and type in ('interaction.edited', 'interaction.deleted')
        order by payload->>'time' desc, id desc limit 1`,
      [logId],
      'all',
      this.em.getTransactionContext(),
    );
    return latest;
  }

  /**
   * One transaction holding the lock on the changes of log `logId` until it ends (an
   * advisory lock: one change of a log at a time, on every replica); what `work` emits
   * commits with it.
   */
  underLogChangeLock<R>(logId: string, work: () => Promise<R>): Promise<R> {
    return this.em.transactional(async (tx) => {
      await tx.getConnection().execute(`select pg_advisory_xact_lock(hashtextextended(?, 0))`, [`interaction_log change ${logId}`], 'all', tx.getTransactionContext());
      return work();
    });
  }
}

/** The latest change of a log crm-api accepted, from its own outbox (the logger may not have applied it yet). */
export interface AcceptedLogChange {
  id: string;
  type: 'interaction.edited' | 'interaction.deleted';
  time: string;
  data: { summary?: string; type?: LogType };
}
