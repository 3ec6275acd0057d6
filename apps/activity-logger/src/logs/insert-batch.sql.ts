/*
 * The logger's write, in one place: the repository runs it on activity.interaction_log,
 * and the benchmark's analysis (bench/raw-db.ts) times the very same statement on a copy.
 */
import { CHANNELS } from '@app/contracts';

/** The fields of one row, as jsonb_to_recordset reads them (see insertBatchSql). */
export interface BatchRow {
  id: string;
  ts: string;
  recorded_at: string;
  user_id: string;
  type: string;
  summary: string;
  lead_id: string | null;
  contact_id: string | null;
  opportunity_id: string | null;
  source: string;
  event_type: string;
  event_version: number;
  correlation_id: string;
  data: unknown;
}

/** A record as the logger holds it, to the row the statement reads. */
export function batchRow(r: {
  id: string;
  timestamp: string;
  recordedAt: string;
  userId: string;
  type: string;
  summary: string;
  leadId: string | null;
  contactId: string | null;
  opportunityId: string | null;
  source: string;
  eventType: string;
  eventVersion: number;
  correlationId: string;
  data: unknown;
}): BatchRow {
  return {
    id: r.id,
    ts: r.timestamp,
    recorded_at: r.recordedAt,
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

export const NOTIFY_CHANNEL = CHANNELS.feed;

/**
 * A whole batch in one statement and one round trip: the rows travel as a single JSON
 * parameter (one native JSON.stringify, where thirteen array parameters cost the driver
 * a quarter of the logger's CPU, profiled), unpacked server-side by jsonb_to_recordset.
 * A row whose id exists (a redelivered or twice-published event) is skipped: `on conflict`
 * names no columns so that it matches the unique key of the plain table (id) and of the
 * partitioned one (id, "timestamp"; an event's time is part of it), during the migration
 * from one to the other and after. RETURNING
 * tells which were new. The statement is its own transaction, and the NOTIFY that wakes
 * crm-api's live stream is part of it: sent at commit, once however many rows, none when
 * nothing was new. The notify reads `rows` itself (one row of it, if any): an
 * uncorrelated `lateral (select pg_notify(...))` was run once before the insert's rows
 * were read, so a batch of duplicates woke every stream too (test/medium caught it).
 */
export function insertBatchSql(table: string): string {
  return `with rows as (
  insert into ${table}
    ("id", "timestamp", "recorded_at", "user_id", "type", "summary", "lead_id", "contact_id", "opportunity_id",
     "source", "event_type", "event_version", "correlation_id", "data")
  select r.id, r.ts, r.recorded_at, r.user_id, r.type, r.summary, r.lead_id, r.contact_id, r.opportunity_id,
         r.source, r.event_type, r.event_version, r.correlation_id, r.data
  from jsonb_to_recordset($1::jsonb) as r(id uuid, ts timestamptz, recorded_at timestamptz, user_id uuid, type text, summary text,
    lead_id uuid, contact_id uuid, opportunity_id uuid, source text, event_type text, event_version int,
    correlation_id uuid, data jsonb)
  on conflict do nothing
  returning "id")
select rows.id from rows left join (select pg_notify('${NOTIFY_CHANNEL}', '') from (select 1 from rows limit 1) as any_new) as woke on true`;
}
