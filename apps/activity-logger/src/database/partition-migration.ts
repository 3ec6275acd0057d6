import { Client, type QueryResultRow } from 'pg';
import { addMonths, createPartitionSql, isPartitioned, LOG_INDEX_SUFFIXES, monthOf, monthsBetween, MONTHS_AHEAD, partitionedTableSql } from './partitions';

const NEW = 'interaction_log_partitioned';
/** Where the plain table goes at the swap; dropped by hand once checked (docs/operations.md §9). */
export const BEFORE_PARTITIONING = 'interaction_log_before_partitioning';
const COLUMNS = `"id", "timestamp", "recorded_at", "user_id", "type", "summary", "lead_id", "contact_id", "opportunity_id",
  "source", "event_type", "event_version", "correlation_id", "data", "logged_at", "xid"`;
const ZERO = { xid: '0', id: '00000000-0000-0000-0000-000000000000' };

export type PartitionOutcome = { state: 'missing' } | { state: 'partitioned' } | { state: 'migrated'; copied: number; batches: number; swapMs: number };

/**
 * Turns a plain activity.interaction_log into the partitioned one while the loggers keep
 * writing. On a connection of its own, autocommit:
 * 1. builds the partitioned table beside it (`interaction_log_partitioned`), with a
 *    partition for every month it holds, up to MONTHS_AHEAD after now;
 * 2. copies in batches in commit-safe (xid, id) order, as the live stream reads: a batch
 *    takes only rows whose transaction is older than every running one, so no row can
 *    later appear behind the position reached; loggers are not blocked by it;
 * 3. in one short transaction: locks the table (inserts wait, for that long only), copies
 *    what committed since the last batch, and swaps the names. A logger's insert waiting
 *    on the lock looks the name up again once it gets it, and so lands in the new table.
 * The plain table is kept as `interaction_log_before_partitioning`. Idempotent: a table
 * already partitioned is left alone; a half-built copy of an interrupted run is rebuilt.
 * 'missing': the table is not committed yet (a fresh install, inside the migration's
 * own transaction): the caller creates the partitioned table there.
 */
export async function partitionInteractionLog(databaseUrl: string, options: { batchSize?: number; log?: (msg: string) => void } = {}): Promise<PartitionOutcome> {
  const { batchSize = 5000, log = () => undefined } = options;
  const db = new Client({ connectionString: databaseUrl, application_name: 'activity-logger partition migration' });
  db.on('error', () => undefined); // the failing query reports it
  await db.connect();
  const query = <R extends QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]) => db.query<R>(sql, params);
  try {
    const { rows: found } = await query<{ exists: boolean }>(`select to_regclass('activity.interaction_log') is not null as exists`);
    if (!found[0].exists) return { state: 'missing' };
    if (await isPartitioned(query)) return { state: 'partitioned' };

    await query(`drop table if exists "activity"."${NEW}" cascade`);
    for (const sql of partitionedTableSql(NEW)) await query(sql);
    const { rows: span } = await query<{ lo: Date | null; hi: Date | null }>(`select min("timestamp") as lo, max("timestamp") as hi from "activity"."interaction_log"`);
    const now = monthOf(new Date());
    const first = span[0].lo ? monthOf(span[0].lo) : now;
    const last = span[0].hi && monthOf(span[0].hi) > now ? monthOf(span[0].hi) : now;
    for (const month of monthsBetween(first < now ? first : now, addMonths(last, MONTHS_AHEAD))) await query(createPartitionSql(month, `"activity"."${NEW}"`));

    let position = ZERO;
    let copied = 0;
    let batches = 0;
    for (;;) {
      const { rows } = await query<{ n: number; xid: string; id: string }>(
        `with batch as (
           select ${COLUMNS} from "activity"."interaction_log"
           where ("xid", "id") > ($1::xid8, $2::uuid) and "xid" < pg_snapshot_xmin(pg_current_snapshot())
           order by "xid", "id" limit $3),
         copied as (insert into "activity"."${NEW}" (${COLUMNS}) select ${COLUMNS} from batch on conflict do nothing)
         select count(*)::int as n, (array_agg("xid"::text order by "xid" desc, "id" desc))[1] as xid,
                (array_agg("id" order by "xid" desc, "id" desc))[1] as id from batch`,
        [position.xid, position.id, batchSize],
      );
      if (rows[0].n === 0) break;
      position = { xid: rows[0].xid, id: rows[0].id };
      copied += rows[0].n;
      batches += 1;
      if (batches % 20 === 0) log(`interaction_log partitioning: ${copied} logs copied`);
    }

    const swapStarted = Date.now();
    await query('begin');
    try {
      await query(`set local lock_timeout = '30s'`);
      await query(`lock table "activity"."interaction_log" in access exclusive mode`);
      // What committed since the last batch: months first (a backdated log may need one).
      const { rows: late } = await query<{ month: string }>(
        `select distinct to_char("timestamp" at time zone 'UTC', 'YYYY-MM') as month from "activity"."interaction_log" where ("xid", "id") > ($1::xid8, $2::uuid)`,
        [position.xid, position.id],
      );
      for (const { month } of late) await query(createPartitionSql(month, `"activity"."${NEW}"`));
      const tail = await query(
        `insert into "activity"."${NEW}" (${COLUMNS}) select ${COLUMNS} from "activity"."interaction_log" where ("xid", "id") > ($1::xid8, $2::uuid) on conflict do nothing`,
        [position.xid, position.id],
      );
      copied += (tail as unknown as { rowCount: number }).rowCount ?? 0;
      await query(`alter table "activity"."interaction_log" rename to "${BEFORE_PARTITIONING}"`);
      for (const suffix of LOG_INDEX_SUFFIXES) {
        await query(`alter index if exists "activity"."interaction_log_${suffix}" rename to "${BEFORE_PARTITIONING}_${suffix}"`);
        await query(`alter index "activity"."${NEW}_${suffix}" rename to "interaction_log_${suffix}"`);
      }
      await query(`alter table "activity"."${NEW}" rename to "interaction_log"`);
      await query('commit');
    } catch (err) {
      await query('rollback').catch(() => undefined);
      throw err;
    }
    const swapMs = Date.now() - swapStarted;
    log(`interaction_log partitioned: ${copied} logs copied in ${batches} batches, names swapped in ${swapMs} ms; the plain table is kept as activity.${BEFORE_PARTITIONING}`);
    return { state: 'migrated', copied, batches, swapMs };
  } finally {
    await db.end().catch(() => undefined);
  }
}
