import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { INTERACTION_EVENT_TYPES, LogKind } from '@app/contracts';
import { FeedFilters } from './feed.query';
import type { RecordKind } from '../auth/policy';
import { Member, Rollup } from './feed.rollup';
import { membersSql, rollupConditions } from './feed.rollup.sql';
import { feedQuery } from './feed.prepared';
import { CursorKey } from '../common/cursor';
import { StreamPosition } from './feed.cursor';
import { FEED_POOL } from './feed.pool';

export interface LogRow {
  id: string;
  timestamp: Date;
  /** Null for logs written before the column existed: read as their timestamp. */
  recorded_at: Date | null;
  user_id: string;
  type: string;
  summary: string;
  lead_id: string | null;
  contact_id: string | null;
  opportunity_id: string | null;
  source: string;
  correlation_id: string;
  event_type: string;
  data: Record<string, unknown>;
  xid: string;
  /** A manual log's last correction (interaction.edited): when and by whom; null if never edited. */
  edited_at: Date | null;
  edited_by_id: string | null;
  edited_by_name: string | null;
  /** The edit event the row holds (the last applied). */
  edit_id: string | null;
  /** A deleted manual log's tombstone: only the live stream reads such a row (to announce it). */
  deleted_at: Date | null;
}

const COLUMNS = `id, "timestamp", recorded_at, user_id, type, summary, lead_id, contact_id, opportunity_id, source,
  correlation_id, event_type, data, xid::text as xid, edited_at, edited_by_id, edited_by_name, edit_id, deleted_at`;

/** Where a page is read: the feed's pool, or one export's connection (feed.export-reader.ts). */
export interface Queryable {
  query<R extends QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>>;
}

/** A deleted log's row stays as a tombstone (see the logger's log-changes.ts): every read but the stream's skips it. */
const LIVE = 'deleted_at is null';

/**
 * Filters with the opportunity's contact already resolved (for include_contact), the
 * rolled-up timeline's members (rollup=true), and the Policy's condition on the logs the
 * caller may read (auth/policy.ts; absent: all).
 */
export type ResolvedFilters = FeedFilters & { opportunityContact?: string | null; readable?: string | null; rollupOf?: Rollup };

/** A lane's condition, from the one list logKind() reads too (libs/contracts log-kind.ts). */
export const kindSql = (kind: LogKind) => `event_type ${kind === 'interaction' ? '' : 'not '}in (${INTERACTION_EVENT_TYPES.map((t) => `'${t}'`).join(', ')})`;

/**
 * Reads activity.interaction_log, which the activity-logger owns and writes. Every
 * filter has an index of the form (column, timestamp desc, id desc), so each page is an
 * index range scan: keyset pagination, no OFFSET, no count of the table.
 */
@Injectable()
export class FeedRepository implements OnApplicationShutdown {
  constructor(@Inject(FEED_POOL) private readonly pool: Pool) {}

  /** After the HTTP server closed: in-flight requests have had their queries. */
  async onApplicationShutdown() {
    await this.pool.end().catch(() => undefined);
  }

  async page(filters: ResolvedFilters, limit: number, after?: CursorKey, db: Queryable = this.pool): Promise<LogRow[]> {
    const params: unknown[] = [];
    const where = [...this.conditions(filters, params), LIVE];
    if (after) {
      params.push(after.createdAt, after.id); // the log's timestamp
      where.push(`("timestamp", id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(limit);
    const limitParam = `$${params.length}`;
    // `sorted: false`: ordering by an expression keeps the planner from reading an index
    // in time order for it (RollupBranch); it finds the rows by their own index and sorts them.
    const branch = (conds: string[], sorted = true) =>
      `(select ${COLUMNS} from activity.interaction_log where ${conds.join(' and ')}
        order by ${sorted ? '"timestamp"' : `("timestamp" + interval '0 seconds')`} desc, id desc limit ${limitParam})`;
    if (filters.rollupOf) {
      // One index range scan per way in, each with the keyset condition and its own
      // limit, merged; a log reachable two ways comes once.
      const branches = rollupConditions(filters.rollupOf, params).map((b) => branch([`(${b.sql})`, ...where], b.sorted));
      const sql = `select distinct on ("timestamp", id) * from (${branches.join(' union all ')}) u
        order by "timestamp" desc, id desc limit ${limitParam}`;
      return (await db.query<LogRow>(feedQuery(sql, params, !!filters.readable))).rows;
    }
    if (filters.include_contact && filters.opportunityContact) {
      // Q(opportunity=o) | Q(contact=o.contact): two index range scans merged, rather
      // than an OR that would defeat both indexes.
      params.push(filters.opportunityContact);
      const byContact = where.map((w) => (w.startsWith('opportunity_id') ? `contact_id = $${params.length}` : w));
      // union, not union all: a log on both the opportunity and its contact comes once.
      const sql = `select * from (${branch(where)} union ${branch(byContact)}) u
        order by "timestamp" desc, id desc limit ${limitParam}`;
      return (await db.query<LogRow>(feedQuery(sql, params, !!filters.readable))).rows;
    }
    const sql = `select ${COLUMNS} from activity.interaction_log
      ${where.length ? `where ${where.join(' and ')}` : ''}
      order by "timestamp" desc, id desc limit ${limitParam}`;
    return (await db.query<LogRow>(feedQuery(sql, params, !!filters.readable))).rows;
  }

  /** One log; a deleted one only `withDeleted` (to see that a delete was applied). */
  async byId(id: string, readable?: string | null, withDeleted = false): Promise<LogRow | null> {
    const sql = `select ${COLUMNS} from activity.interaction_log where id = $1${readable ? ` and ${readable}` : ''}${withDeleted ? '' : ` and ${LIVE}`}`;
    const { rows } = await this.pool.query<LogRow>(feedQuery(sql, [id], !!readable));
    return rows[0] ?? null;
  }

  /**
   * A log to be changed, with its timestamp to the microsecond as text: the change event
   * names the log by (id, timestamp), its key in the partitioned table, and a JS Date
   * would round the timestamp to the millisecond.
   */
  async forChange(id: string, readable?: string | null): Promise<(LogRow & { timestamp_text: string }) | null> {
    const sql = `select ${COLUMNS}, to_char("timestamp" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as timestamp_text
      from activity.interaction_log where id = $1 and ${LIVE}${readable ? ` and ${readable}` : ''}`;
    const { rows } = await this.pool.query<LogRow & { timestamp_text: string }>(feedQuery(sql, [id], !!readable));
    return rows[0] ?? null;
  }

  /**
   * Logs committed after `after`, in commit-safe order. Sequence or time order is not
   * safe for a live cursor: two loggers' transactions commit out of order, so a client
   * resuming from the last id it saw could miss a row committed later with a lower
   * position. Each row records its writing transaction's id (xid); a row is only
   * served once its xid is below the oldest transaction still running, after which no
   * row with a lower (xid, id) can ever appear. A log edited or deleted later takes the
   * xid of that change, so it comes again (deleted ones too: the stream announces them).
   */
  async committedAfter(filters: ResolvedFilters, after: StreamPosition, limit = 500): Promise<LogRow[]> {
    const params: unknown[] = [after.xid, after.id];
    const where = [`(xid, id) > ($1::xid8, $2::uuid)`, `xid < pg_snapshot_xmin(pg_current_snapshot())`];
    // An edit can change a log's type: one edited out of a type-filtered stream must still
    // reach it, so the stream can tell the page to drop it (FeedService.follow).
    const filterConds = this.conditions(filters, params, { keepEditedOutOfType: true });
    if (filters.rollupOf) {
      filterConds.push(
        `(${rollupConditions(filters.rollupOf, params)
          .map((b) => `(${b.sql})`)
          .join(' or ')})`,
      );
    } else if (filters.include_contact && filters.opportunityContact) {
      params.push(filters.opportunityContact);
      const i = filterConds.findIndex((w) => w.startsWith('opportunity_id'));
      filterConds[i] = `(${filterConds[i]} or contact_id = $${params.length})`;
    }
    params.push(limit);
    const sql = `select ${COLUMNS} from activity.interaction_log where ${[...where, ...filterConds].join(' and ')}
      order by xid, id limit $${params.length}`;
    return (await this.pool.query<LogRow>(feedQuery(sql, params, !!filters.readable))).rows;
  }

  /** Where a new stream starts: everything already committed counts as the past. */
  async streamHead(): Promise<StreamPosition> {
    const { rows } = await this.pool.query<{ xid: string }>(`select pg_snapshot_xmin(pg_current_snapshot())::text as xid`);
    return { xid: rows[0].xid, id: '00000000-0000-0000-0000-000000000000' };
  }

  /**
   * How far the feed's database is behind the primary, in seconds: null on a primary.
   * On a standby: 0 when it has replayed all it received, else the age of the last
   * transaction it replayed (the standard measure; it grows while replay is paused or
   * slow and writes go on). -1 when a standby cannot tell yet (nothing replayed).
   */
  async replicaLagSeconds(): Promise<number | null> {
    const { rows } = await this.pool.query<{ standby: boolean; lag: number | null }>(
      `select pg_is_in_recovery() as standby,
              case when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
                   else extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 end as lag`,
    );
    if (!rows[0].standby) return null;
    return rows[0].lag === null ? -1 : Math.max(0, Math.round(rows[0].lag * 10) / 10);
  }

  /**
   * A rolled-up timeline's members (feed.rollup.sql.ts); `visible(kind)`: the Policy's
   * condition on the ids of that kind the caller reads (null: all).
   */
  async rollupMembers(root: Rollup['root'], visible: (kind: RecordKind) => string | null, inlinesCaller: boolean): Promise<Member[]> {
    const sql = membersSql(root.type, (kind, alias) => {
      const ids = visible(kind);
      return ids ? ` and ${alias}.id in (${ids})` : '';
    });
    return (await this.pool.query<Member>(feedQuery(sql, [root.id], inlinesCaller))).rows;
  }

  /** The opportunity's contact (include_contact); undefined when the opportunity is not there for the caller (`visible`). */
  async opportunityContact(id: string, visible: string | null): Promise<{ contactId: string | null } | undefined> {
    const { rows } = await this.pool.query<{ contact_id: string | null }>(`select contact_id from crm.opportunities where id = $1${visible ? ` and id in (${visible})` : ''}`, [
      id,
    ]);
    return rows[0] ? { contactId: rows[0].contact_id } : undefined;
  }

  /** Names of the users with these ids (an export's user_name); a deleted user is absent. */
  async userNames(ids: string[]): Promise<{ id: string; name: string }[]> {
    return (await this.pool.query<{ id: string; name: string }>(`select id, name from crm.users where id = any($1::uuid[])`, [ids])).rows;
  }

  async newest(): Promise<Date | null> {
    const { rows } = await this.pool.query<{ t: Date | null }>(`select max("timestamp") as t from activity.interaction_log`);
    return rows[0].t;
  }

  /**
   * The filters' conditions, their values added to `params`. `keepEditedOutOfType`: the
   * type filter also passes every edited log, whatever its type now (the stream's reads).
   */
  private conditions(f: ResolvedFilters, params: unknown[], { keepEditedOutOfType = false } = {}): string[] {
    const out: string[] = [];
    const eq = (column: string, value: unknown) => {
      params.push(value);
      out.push(`${column} = $${params.length}`);
    };
    // A rolled-up timeline replaces the record filter with its members (rollupConditions).
    if (f.opportunity && !f.rollupOf) eq('opportunity_id', f.opportunity);
    if (f.lead && !f.rollupOf) eq('lead_id', f.lead);
    if (f.contact && !f.rollupOf) eq('contact_id', f.contact);
    if (f.user) eq('user_id', f.user);
    if (f.type) {
      params.push(f.type);
      const byType = `type = $${params.length}`;
      out.push(keepEditedOutOfType ? `(${byType} or edit_id is not null)` : byType);
    }
    if (f.source) eq('source', f.source);
    if (f.correlation_id) eq('correlation_id', f.correlation_id);
    if (f.kind) out.push(kindSql(f.kind));
    if (f.since) {
      params.push(f.since);
      out.push(`"timestamp" >= $${params.length}::timestamptz`);
    }
    if (f.until) {
      params.push(f.until);
      out.push(`"timestamp" < $${params.length}::timestamptz`);
    }
    if (f.readable) out.push(f.readable);
    return out;
  }
}
