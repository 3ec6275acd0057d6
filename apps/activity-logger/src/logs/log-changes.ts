import { CHANNELS, CrmEvent, EventData, LogChangeType } from '@app/contracts';

/**
 * A change of a manual log already in the feed (interaction.edited / interaction.deleted),
 * as the logger applies it: not a row of its own, an update of the row `logId`.
 */
export interface LogChange {
  /** The change event's id: with `at`, its place in the last-writer-wins order. */
  eventId: string;
  kind: 'edit' | 'delete';
  logId: string;
  /** The log's own timestamp (its partition key). */
  logTimestamp: string;
  /** When the change was made (the event's time). */
  at: string;
  summary: string | null;
  type: string | null;
  byId: string;
  byName: string;
}

export function toChange(event: CrmEvent): LogChange {
  const type = event.type as LogChangeType;
  const base = { eventId: event.id, at: event.time };
  if (type === 'interaction.edited') {
    const d = event.data as EventData<'interaction.edited', 1>;
    return { ...base, kind: 'edit', logId: d.log_id, logTimestamp: d.log_timestamp, summary: d.summary, type: d.type, byId: d.actor.id, byName: d.actor.name };
  }
  const d = event.data as EventData<'interaction.deleted', 1>;
  return { ...base, kind: 'delete', logId: d.log_id, logTimestamp: d.log_timestamp, summary: null, type: null, byId: d.actor.id, byName: d.actor.name };
}

/** Later in the last-writer-wins order: by time, then by event id (how PostgreSQL orders the same pair). */
export function isLater(a: Pick<LogChange, 'at' | 'eventId'>, b: Pick<LogChange, 'at' | 'eventId'>): boolean {
  const ta = Date.parse(a.at);
  const tb = Date.parse(b.at);
  return ta !== tb ? ta > tb : a.eventId > b.eventId;
}

/**
 * At most one change per log, so that one UPDATE applies a batch (an UPDATE … FROM
 * cannot change a row twice): a delete wins over every edit (a deleted log is never
 * edited again, and the first delete is the one kept), else the latest edit. What is
 * left out would change nothing the kept change does not decide.
 */
export function decisiveChanges(changes: LogChange[]): LogChange[] {
  const byLog = new Map<string, LogChange>();
  for (const c of changes) {
    const held = byLog.get(c.logId);
    if (!held) byLog.set(c.logId, c);
    else if (held.kind !== c.kind) byLog.set(c.logId, c.kind === 'delete' ? c : held);
    else if (c.kind === 'edit' ? isLater(c, held) : isLater(held, c)) byLog.set(c.logId, c);
  }
  return [...byLog.values()];
}

/** Changes of logs that are not in the table (yet): nothing was applied for them. */
export class LogNotFoundError extends Error {
  constructor(readonly logIds: string[]) {
    super(`interaction log not found: ${logIds.join(', ')} (a change before its log, or of a log removed by retention)`);
    this.name = 'LogNotFoundError';
  }
}

/**
 * Applies a batch of decisive changes in one statement (its own transaction), to manual
 * logs only and never to a deleted one:
 * - an edit replaces summary and type (in `data` too, so no client reads the old text
 *   there) when it is later than the edit the row holds (edited_at, edit_id): two edits
 *   applied in either order, or one applied twice, leave the later one;
 * - a delete sets the tombstone once.
 * A changed row takes this transaction's id as its `xid`, so every live stream serves it
 * again (crm-api's stream reads in (xid, id) order), and the NOTIFY wakes them.
 * Returns, per change, whether it was applied and whether its log exists at all (read in
 * the statement's snapshot, from before it ran: a log is never removed by this statement).
 */
export function applyChangesSql(table: string): string {
  return `with c as (
  select * from jsonb_to_recordset($1::jsonb) as c(event_id uuid, kind text, log_id uuid, log_ts timestamptz, at timestamptz,
    summary text, type text, by_id uuid, by_name text)),
changed as (
  update ${table} l set
    summary = case when c.kind = 'edit' then c.summary else l.summary end,
    type = case when c.kind = 'edit' then c.type else l.type end,
    data = case when c.kind = 'edit' then l.data || jsonb_build_object('summary', c.summary, 'type', c.type) else l.data end,
    edited_at = case when c.kind = 'edit' then c.at else l.edited_at end,
    edited_by_id = case when c.kind = 'edit' then c.by_id else l.edited_by_id end,
    edited_by_name = case when c.kind = 'edit' then c.by_name else l.edited_by_name end,
    edit_id = case when c.kind = 'edit' then c.event_id else l.edit_id end,
    deleted_at = case when c.kind = 'delete' then c.at else l.deleted_at end,
    deleted_by_id = case when c.kind = 'delete' then c.by_id else l.deleted_by_id end,
    xid = pg_current_xact_id()
  from c
  where l.id = c.log_id and l."timestamp" = c.log_ts and l.source = 'manual' and l.deleted_at is null
    and (c.kind = 'delete' or l.edited_at is null or (l.edited_at, l.edit_id) < (c.at, c.event_id))
  returning c.event_id)
select c.event_id as "eventId",
       exists (select 1 from changed where changed.event_id = c.event_id) as applied,
       exists (select 1 from ${table} l where l.id = c.log_id and l."timestamp" = c.log_ts) as found,
       (select count(*) from (select pg_notify('${CHANNELS.feed}', '') from changed limit 1) n) as woke
from c`;
}

/** A change as the statement reads it (jsonb_to_recordset's column names). */
export function changeRow(c: LogChange) {
  return { event_id: c.eventId, kind: c.kind, log_id: c.logId, log_ts: c.logTimestamp, at: c.at, summary: c.summary, type: c.type, by_id: c.byId, by_name: c.byName };
}
