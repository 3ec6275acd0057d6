import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { LoggerConfig } from '../config/logger.config';
import { RenderedLog } from './summary.renderer';

/** One row of activity.interaction_log, as the logger writes it. */
export interface InteractionLogRecord extends RenderedLog {
  /** The CloudEvent id: the dedup key. */
  id: string;
  /** The event's `time`: when the change happened. */
  timestamp: string;
  eventType: string;
  eventVersion: number;
  correlationId: string;
  /** The event's validated `data`. */
  data: unknown;
}

export const NOTIFY_CHANNEL = 'interaction_log';

/**
 * All rows of a batch in one statement: one array parameter per column, unnested
 * server-side. Thirteen parameters whatever the batch size (a VALUES list would hit the
 * 65535-parameter limit at ~5000 rows), and one plan. A row whose id exists (a
 * redelivered or twice-published event) is skipped; RETURNING tells which were new.
 */
const INSERT_SQL = `insert into "activity"."interaction_log"
  ("id", "timestamp", "user_id", "type", "summary", "lead_id", "contact_id", "opportunity_id",
   "source", "event_type", "event_version", "correlation_id", "data")
select * from unnest($1::uuid[], $2::timestamptz[], $3::uuid[], $4::text[], $5::text[], $6::uuid[], $7::uuid[],
  $8::uuid[], $9::text[], $10::text[], $11::int[], $12::uuid[], $13::jsonb[])
on conflict ("id") do nothing
returning "id"`;

/**
 * Writes the feed with raw SQL on node-postgres (the driver under MikroORM): no
 * EntityManager at all on the hot path, hence none shared between batches. Each call
 * checks a client out of the pool for one transaction and gives it back.
 */
@Injectable()
export class LogWriterRepository implements OnApplicationShutdown {
  private readonly logger = new Logger(LogWriterRepository.name);
  private readonly pool: Pool;

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
    });
    // An idle client whose server went away emits here; unhandled, it would crash the process.
    this.pool.on('error', (err) => this.logger.warn({ msg: 'idle database connection lost', error: err.message }));
  }

  /** Inserts the batch and wakes crm-api's live stream, in one transaction. Returns the ids that were new. */
  async insert(records: InteractionLogRecord[]): Promise<string[]> {
    if (records.length === 0) return [];
    const client = await this.pool.connect();
    let failed: Error | undefined;
    try {
      await client.query('begin');
      const { rows } = await client.query<{ id: string }>(INSERT_SQL, columns(records));
      // Delivered at commit, once per transaction however many rows; only when something changed.
      if (rows.length > 0) await client.query('select pg_notify($1, $2)', [NOTIFY_CHANNEL, '']);
      await client.query('commit');
      return rows.map((r) => r.id);
    } catch (err) {
      failed = err as Error;
      await client.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      // After a failure the connection may be half-dead: destroy it rather than pool it.
      client.release(failed);
    }
  }

  /** For readiness: can a connection be had and used right now? */
  async ping(timeoutMs = 1000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.pool.query('select 1').then(() => true, () => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** After the transport has flushed and closed (Nest calls shutdown hooks after dispose). */
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

function columns(records: InteractionLogRecord[]): unknown[][] {
  const cols: unknown[][] = Array.from({ length: 13 }, () => new Array(records.length));
  records.forEach((r, i) => {
    cols[0][i] = r.id;
    cols[1][i] = r.timestamp;
    cols[2][i] = r.userId;
    cols[3][i] = r.type;
    cols[4][i] = r.summary;
    cols[5][i] = r.leadId;
    cols[6][i] = r.contactId;
    cols[7][i] = r.opportunityId;
    cols[8][i] = r.source;
    cols[9][i] = r.eventType;
    cols[10][i] = r.eventVersion;
    cols[11][i] = r.correlationId;
    cols[12][i] = JSON.stringify(r.data);
  });
  return cols;
}
