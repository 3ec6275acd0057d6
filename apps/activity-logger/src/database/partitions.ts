/**
 * `activity.interaction_log` is partitioned by month of "timestamp" (the event's time):
 * one partition per month, `interaction_log_y2026m11`, made by the logger before any row
 * needs it (PartitionKeeper). No default partition: with one, PostgreSQL cannot read the
 * months in order (an ordered Append) and every feed page would probe every month's
 * index (measured: 27 index scans for the recent-20 page instead of the newest month).
 * Feed pages are keyset ranges on "timestamp", so they read the newest partitions only;
 * retention drops (or detaches) whole months. docs/decisions.md says why the key is
 * (id, "timestamp").
 */
export const LOG_TABLE = '"activity"."interaction_log"';
/** How many months after the current one exist at all times (created by the logger). */
export const MONTHS_AHEAD = 2;

const PARTITION_NAME = /^interaction_log_y(\d{4})m(\d{2})$/;

/** A UTC timestamp as crm-api writes it ('2026-11-30T09:15:00.123Z'): year, month, day. */
const PLAIN_UTC = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?Z$/;

const daysIn = (year: number, month: number) => (month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31);

/**
 * 'YYYY-MM' (UTC) of an instant. Every row of every batch goes through here: a plain UTC
 * timestamp's month is read off its text (2 % of the logger's CPU in a drain's profile when
 * all went through Date); anything else, an offset or a day the month does not have
 * (Date takes 2026-02-30 as March 2nd), goes through Date as before.
 */
export function monthOf(t: Date | string): string {
  const m = typeof t === 'string' ? PLAIN_UTC.exec(t) : null;
  return m && Number(m[3]) <= daysIn(Number(m[1]), Number(m[2])) ? `${m[1]}-${m[2]}` : new Date(t).toISOString().slice(0, 7);
}

export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return d.toISOString().slice(0, 7);
}

/** Every month from `from` to `to`, both included. */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let m = from; m <= to; m = addMonths(m, 1)) out.push(m);
  return out;
}

export const partitionName = (month: string) => `interaction_log_y${month.slice(0, 4)}m${month.slice(5, 7)}`;

/** The month a partition holds, from its name; null for any other table (the default partition). */
export function monthOfPartition(name: string): string | null {
  const m = PARTITION_NAME.exec(name);
  return m ? `${m[1]}-${m[2]}` : null;
}

/** The first instant after the month (its partition's upper bound). */
export const monthEnd = (month: string) => new Date(`${addMonths(month, 1)}-01T00:00:00Z`);

/** The partition of `parent` for one month; a no-op when it exists. */
export function createPartitionSql(month: string, parent = LOG_TABLE): string {
  return `create table if not exists "activity"."${partitionName(month)}" partition of ${parent}
    for values from ('${month}-01T00:00:00Z') to ('${addMonths(month, 1)}-01T00:00:00Z')`;
}

/**
 * A quote's and a task's logs by the record's id in `data` (crm-api's rolled-up feed
 * finds them there: their lead/contact/opportunity columns say where the quote or task
 * was when it was logged, not where it is now). Partial: only those events carry the id,
 * and crm-api's queries repeat the `?` condition so the planner can use them.
 * Migration20261203000300_rollup_indexes adds them to a table made before.
 */
export const ROLLUP_INDEXES: [name: string, columns: string, where: string][] = [
  ['quote_idx', `("data"->>'quote_id'), "timestamp" desc, "id" desc`, `"data" ? 'quote_id'`],
  ['task_idx', `("data"->>'task_id'), "timestamp" desc, "id" desc`, `"data" ? 'task_id'`],
];

/**
 * The partitioned table and the feed's indexes (declared on the
 * parent, so every partition gets them). `table` is a bare name in schema activity;
 * `indexPrefix` names its indexes (the online migration builds it beside the old one).
 */
export function partitionedTableSql(table: string, indexPrefix = table): string[] {
  const t = `"activity"."${table}"`;
  const idx = (name: string, columns: string, where = '') => `create index "${indexPrefix}_${name}" on ${t} (${columns})${where ? ` where ${where}` : ''}`;
  return [
    `create table ${t} (
      "id" uuid not null,
      "timestamp" timestamptz not null,
      -- When crm-api recorded it (Migration20261202000100_recorded_at); null for older rows.
      "recorded_at" timestamptz null,
      "user_id" uuid not null,
      "type" text not null check ("type" in ('call','email','meeting','note')),
      "summary" text not null,
      "lead_id" uuid null,
      "contact_id" uuid null,
      "opportunity_id" uuid null,
      "source" text not null check ("source" in ('auto','manual')),
      "event_type" text not null,
      "event_version" int not null,
      "correlation_id" uuid not null,
      "data" jsonb not null,
      "logged_at" timestamptz not null default now(),
      "xid" xid8 not null default pg_current_xact_id(),
      -- A unique key must contain the partition key. Still exact for dedup: a redelivered
      -- or replayed event carries the same body, so the same id AND the same time.
      constraint "${indexPrefix}_pkey" primary key ("id", "timestamp")
    ) partition by range ("timestamp")`,
    idx('timestamp_idx', '"timestamp" desc, "id" desc'),
    idx('lead_idx', '"lead_id", "timestamp" desc, "id" desc', '"lead_id" is not null'),
    idx('contact_idx', '"contact_id", "timestamp" desc, "id" desc', '"contact_id" is not null'),
    idx('opportunity_idx', '"opportunity_id", "timestamp" desc, "id" desc', '"opportunity_id" is not null'),
    idx('user_idx', '"user_id", "timestamp" desc, "id" desc'),
    idx('type_idx', '"type", "timestamp" desc, "id" desc'),
    idx('correlation_idx', '"correlation_id"'),
    idx('xid_idx', '"xid", "id"'),
    ...ROLLUP_INDEXES.map(([name, columns, where]) => idx(name, columns, where)),
  ];
}

/** The index suffixes above: the swap renames them to the canonical names. */
export const LOG_INDEX_SUFFIXES = [
  'pkey',
  'timestamp_idx',
  'lead_idx',
  'contact_idx',
  'opportunity_idx',
  'user_idx',
  'type_idx',
  'correlation_idx',
  'xid_idx',
  'quote_idx',
  'task_idx',
];

/** Serialises partition creation between loggers (and the migration). */
export const PARTITION_LOCK_SQL = `select pg_advisory_xact_lock(hashtext('activity.interaction_log partitions'))`;

/** Runs SQL (a pg Client or Pool's `query`). */
export type Query = (sql: string, params?: unknown[]) => Promise<{ rows: unknown[] }>;

/** Creates the partitions of these months that are missing, in one short transaction on `query`'s connection. */
export async function createPartitions(query: Query, months: string[], parent = LOG_TABLE): Promise<void> {
  if (months.length === 0) return;
  await query('begin');
  try {
    await query(PARTITION_LOCK_SQL);
    for (const month of [...new Set(months)].sort()) await query(createPartitionSql(month, parent));
    await query('commit');
  } catch (err) {
    await query('rollback').catch(() => undefined);
    throw err;
  }
}

/** Whether activity.interaction_log is partitioned (false: not yet migrated, or missing). */
export async function isPartitioned(query: Query): Promise<boolean> {
  const { rows } = await query(`select c.relkind::text as kind from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'activity' and c.relname = 'interaction_log'`);
  return (rows as { kind: string }[])[0]?.kind === 'p';
}

/** The months that have a partition of activity.interaction_log. */
export async function existingMonths(query: Query): Promise<string[]> {
  const { rows } = await query(`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'activity.interaction_log'::regclass`);
  return (rows as { name: string }[]).map((r) => monthOfPartition(r.name)).filter((m): m is string => m !== null);
}
