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
 * A whole batch in one statement and one round trip: the rows travel as a single JSON
 * parameter (one native JSON.stringify, where thirteen array parameters cost the driver
 * a quarter of the logger's CPU, profiled), unpacked server-side by jsonb_to_recordset.
 * A row whose id exists (a redelivered or twice-published event) is skipped; RETURNING
 * tells which were new. The statement is its own transaction, and the NOTIFY that wakes
 * crm-api's live stream is part of it: sent at commit, once however many rows (a
 * transaction's identical notifications are folded into one), none when nothing was new.
 */
const INSERT_SQL = `with rows as (
  insert into "activity"."interaction_log"
    ("id", "timestamp", "user_id", "type", "summary", "lead_id", "contact_id", "opportunity_id",
     "source", "event_type", "event_version", "correlation_id", "data")
  select r.id, r.ts, r.user_id, r.type, r.summary, r.lead_id, r.contact_id, r.opportunity_id,
         r.source, r.event_type, r.event_version, r.correlation_id, r.data
  from jsonb_to_recordset($1::jsonb) as r(id uuid, ts timestamptz, user_id uuid, type text, summary text,
    lead_id uuid, contact_id uuid, opportunity_id uuid, source text, event_type text, event_version int,
    correlation_id uuid, data jsonb)
  on conflict ("id") do nothing
  returning "id")
select rows.id from rows cross join lateral (select pg_notify('${NOTIFY_CHANNEL}', '')) as woke`;

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
      // A batch is one autocommit statement: if this process dies while the statement
      // waits (on a lock, say), PostgreSQL would still run and commit it once unblocked.
      // Checking the client every second makes the server abort it instead, so a killed
      // logger leaves nothing half-done behind (its messages are redelivered anyway).
      options: '-c client_connection_check_interval=1000',
    });
    // An idle client whose server went away emits here; unhandled, it would crash the process.
    this.pool.on('error', (err) => this.logger.warn({ msg: 'idle database connection lost', error: err.message }));
  }

  /** Inserts the batch and wakes crm-api's live stream, in one transaction. Returns the ids that were new. */
  async insert(records: InteractionLogRecord[]): Promise<string[]> {
    if (records.length === 0) return [];
    const { rows } = await this.pool.query<{ id: string }>(INSERT_SQL, [JSON.stringify(records.map(toRow))]);
    return rows.map((r) => r.id);
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

/** The JSON shape jsonb_to_recordset reads (keys = its column names). */
function toRow(r: InteractionLogRecord) {
  return {
    id: r.id,
    ts: r.timestamp,
    user_id: r.userId,
    type: r.type,
    summary: r.summary,
    lead_id: r.leadId,
    contact_id: r.contactId,
    opportunity_id: r.opportunityId,
    source: r.source,
    event_type: r.eventType,
    event_version: r.eventVersion,
    correlation_id: r.correlationId,
    data: r.data,
  };
}
