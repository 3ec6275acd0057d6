import { Client } from 'pg';
import { isPartitioned, monthEnd, monthOfPartition } from '../../database/partitions';
import { RetentionMode } from './retention.policy';
import { Injectable } from '@nestjs/common';
import { LoggerConfig } from '../../config/logger.config';

/** One logger at a time runs a round; the others find the lock taken and skip theirs. */
const LOCK_KEY = 'activity-logger:retention';

/**
 * The oldest `limit` logs before the cutoff, by the feed's ("timestamp" desc, id desc)
 * index read backwards: no scan of the table. SKIP LOCKED: a row being rewritten (by
 * rerender) is left for the next batch instead of waited for.
 */
const DOOMED = `select id from "activity"."interaction_log"
  where "timestamp" < $1 order by "timestamp", id limit $2 for update skip locked`;

const COLUMNS = `"id", "timestamp", "user_id", "type", "summary", "lead_id", "contact_id", "opportunity_id",
  "source", "event_type", "event_version", "correlation_id", "data", "logged_at", "xid", "recorded_at"`;

/** By primary key: a join (`using doomed`) may hash the whole table to find 5,000 rows. */
const BY_ID = `where l.id = any(array(select id from doomed))`;

const SQL: Record<RetentionMode, string> = {
  delete: `with doomed as (${DOOMED})
    delete from "activity"."interaction_log" l ${BY_ID}`,
  // One statement, so one transaction: a row is either still in the log or already in
  // the archive. Already archived (an old event replayed after its log was archived): kept once.
  archive: `with doomed as (${DOOMED}),
    moved as (delete from "activity"."interaction_log" l ${BY_ID} returning l.*),
    archived as (insert into "activity"."interaction_log_archive" (${COLUMNS}) select ${COLUMNS} from moved on conflict ("id") do nothing)
    select count(*)::int as moved from moved`,
};

/** A retention round's session: the advisory lock, then one short autocommitted statement per batch. */
export class RetentionRepository {
  private constructor(private readonly client: Client) {}

  static async connect(databaseUrl: string): Promise<RetentionRepository> {
    const client = new Client({ connectionString: databaseUrl, application_name: 'activity-logger retention', connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined); // a dropped session fails the running query, which ends the round
    await client.connect();
    // Never queue behind a table lock (a migration) and hold up the inserts queued behind us.
    await client.query(`set lock_timeout = '5s'; set statement_timeout = '60s'`);
    return new RetentionRepository(client);
  }

  /** Session-level: released by close(), or by the server when this process dies. */
  async tryLock(): Promise<boolean> {
    const { rows } = await this.client.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtext($1)) as ok', [LOCK_KEY]);
    return rows[0].ok;
  }

  /** Deletes or archives one batch; returns how many logs left the table. */
  async removeBatch(mode: RetentionMode, cutoff: Date, limit: number): Promise<number> {
    const result = await this.client.query<{ moved: number }>(SQL[mode], [cutoff, limit]);
    return mode === 'archive' ? result.rows[0].moved : (result.rowCount ?? 0);
  }

  /** Whether the log is partitioned by month (then whole partitions go, not rows). */
  partitioned(): Promise<boolean> {
    return isPartitioned((sql, params) => this.client.query(sql, params));
  }

  /** The month partitions entirely before the cutoff (their upper bound at or before it), oldest first. */
  async expiredPartitions(cutoff: Date): Promise<string[]> {
    const { rows } = await this.client.query<{ name: string }>(
      `select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
       where i.inhparent = 'activity.interaction_log'::regclass order by c.relname`,
    );
    return rows
      .map((r) => r.name)
      .filter((name) => {
        const month = monthOfPartition(name);
        return month !== null && monthEnd(month) <= cutoff;
      });
  }

  /**
   * One month out of the log, in one short transaction: dropped (delete), or detached and
   * kept as `interaction_log_archive_yYYYYmMM` (archive). Returns how many logs it held.
   * No row is deleted or copied: the cost does not grow with the month's size.
   */
  async removePartition(mode: RetentionMode, name: string): Promise<number> {
    const { rows } = await this.client.query<{ n: number }>(`select count(*)::int as n from "activity"."${name}"`);
    await this.client.query('begin');
    try {
      if (mode === 'delete') await this.client.query(`drop table "activity"."${name}"`);
      else {
        const archive = name.replace(/^interaction_log_/, 'interaction_log_archive_');
        await this.client.query(`alter table "activity"."interaction_log" detach partition "activity"."${name}"`);
        const { rows: existing } = await this.client.query<{ found: boolean }>(`select to_regclass($1) is not null as found`, [`activity.${archive}`]);
        if (existing[0].found) {
          // That month was archived before (a backdated log came in after): join it.
          await this.client.query(`insert into "activity"."${archive}" select * from "activity"."${name}"`);
          await this.client.query(`drop table "activity"."${name}"`);
        } else await this.client.query(`alter table "activity"."${name}" rename to "${archive}"`);
      }
      await this.client.query('commit');
    } catch (err) {
      await this.client.query('rollback').catch(() => undefined);
      throw err;
    }
    return rows[0].n;
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

/** Opens a round's session: a provider, so the service never builds its own (and a test hands it others). */
@Injectable()
export class RetentionSessions {
  constructor(private readonly config: LoggerConfig) {}

  open(): Promise<RetentionRepository> {
    return RetentionRepository.connect(this.config.DATABASE_URL);
  }
}
