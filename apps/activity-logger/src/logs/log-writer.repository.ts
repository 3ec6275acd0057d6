import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { settlesWithin } from '@app/platform';
import { LoggerConfig } from '../config/logger.config';
import { batchRow, insertBatchSql } from './insert-batch.sql';
import { applyChangesSql, changeRow, LogChange } from './log-changes';
import { PartitionKeeper } from './partition-keeper';
import { RenderedLog } from './summary.renderer';

/** One row of activity.interaction_log, as the logger writes it. */
export interface InteractionLogRecord extends RenderedLog {
  /** The CloudEvent id: the dedup key. */
  id: string;
  /** The event's `time`: when the change happened. */
  timestamp: string;
  /** When it was recorded (a backdated manual log's timestamp is earlier). */
  recordedAt: string;
  eventType: string;
  eventVersion: number;
  correlationId: string;
  /** The event's validated `data`. */
  data: unknown;
}

/** PostgreSQL's answer to a row whose range has no partition (a check_violation, 23514). */
const isNoPartitionForRow = (err: unknown) => {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e?.code === '23514' && typeof e.message === 'string' && e.message.startsWith('no partition of relation');
};

const INSERT_SQL = insertBatchSql('"activity"."interaction_log"');
const CHANGES_SQL = applyChangesSql('"activity"."interaction_log"');

export interface ChangeOutcome {
  eventId: string;
  applied: boolean;
  /** False: the log is not in the table (yet). */
  found: boolean;
}

/**
 * Writes the feed with raw SQL on node-postgres (the driver under MikroORM): no
 * EntityManager at all on the hot path, hence none shared between batches. Each call
 * checks a client out of the pool for one transaction and gives it back.
 */
@Injectable()
export class LogWriterRepository implements OnApplicationShutdown {
  private readonly logger = new Logger(LogWriterRepository.name);
  private readonly pool: Pool;
  private readonly partitions: PartitionKeeper;

  constructor(config: LoggerConfig) {
    this.pool = new Pool({
      connectionString: config.DATABASE_URL,
      max: config.DB_POOL_SIZE,
      application_name: 'activity-logger',
      // Fail fast while the database is away: the consumer holds the batch and backs off.
      connectionTimeoutMillis: 3000,
      // A query that hangs (half-open TCP, a stalled proxy) is treated as a lost connection.
      query_timeout: 30_000,
      idleTimeoutMillis: 30_000,
      // A batch is one autocommit statement: if this process dies while the statement
      // waits (on a lock, say), PostgreSQL would still run and commit it once unblocked.
      // Checking the client every second makes the server abort it instead, so a killed
      // logger leaves nothing half-done behind (its messages are redelivered anyway).
      options: '-c client_connection_check_interval=1000',
    });
    // An idle client whose server went away emits here; unhandled, it would crash the process.
    this.pool.on('error', (err) => this.logger.warn({ msg: 'idle database connection lost', error: err.message }));
    this.partitions = new PartitionKeeper(async () => {
      const client = await this.pool.connect();
      return { query: (sql, params) => client.query(sql, params), release: () => client.release() };
    });
  }

  /** Inserts the batch and wakes crm-api's live stream, in one transaction. Returns the ids that were new. */
  async insert(records: InteractionLogRecord[]): Promise<string[]> {
    if (records.length === 0) return [];
    try {
      return await this.insertInto(records);
    } catch (err) {
      if (!isNoPartitionForRow(err)) throw err;
      // The partition keeper's picture was stale: look at the table again and retry once.
      // Without this, every redelivery within the stale second failed the same way and the
      // message was dead-lettered after its attempts (seen in CI, right after the swap).
      this.logger.warn({ msg: 'no partition for a row: looking at the partitions again', error: (err as Error).message });
      this.partitions.forget();
      return this.insertInto(records);
    }
  }

  private async insertInto(records: InteractionLogRecord[]): Promise<string[]> {
    await this.partitions.ensure(records.map((r) => r.timestamp));
    const { rows } = await this.pool.query<{ id: string }>(INSERT_SQL, [JSON.stringify(records.map(batchRow))]);
    return rows.map((r) => r.id);
  }

  /** Applies edits and deletes of manual logs (at most one per log: decisiveChanges) in one statement. */
  async applyChanges(changes: LogChange[]): Promise<ChangeOutcome[]> {
    if (changes.length === 0) return [];
    const { rows } = await this.pool.query<ChangeOutcome>(CHANGES_SQL, [JSON.stringify(changes.map(changeRow))]);
    return rows;
  }

  /** For readiness: can a connection be had and used right now? */
  ping(timeoutMs = 1000): Promise<boolean> {
    return settlesWithin(this.pool.query('select 1'), timeoutMs);
  }

  /** After the transport has flushed and closed (Nest calls shutdown hooks after dispose). */
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
