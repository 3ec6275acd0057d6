import { Injectable, Optional } from '@nestjs/common';
import { Policy } from '../auth/policy';
import type { Caller } from '../common/request-context';
import { DomainError } from '../common/domain-error';
import { CursorKey, encodeCursor } from '../common/cursor';
import { FeedRepository, LogRow, ResolvedFilters } from './feed.repository';
import { FeedFilters } from './feed.query';
import { encodeStreamPosition, StreamPosition } from './feed.cursor';
import { InteractionLogView, toView } from './feed.view';
import { resolveRollup, RootKind, viaOf } from './feed.rollup';
import type { ExportRow } from './feed.export';
import { FeedWrites } from './feed.writes';
import { ExportReader } from './feed.export-reader';

export type { InteractionLogView } from './feed.view';

/** What the live stream sends: a log (new or edited), or the id of a deleted one. */
export type StreamItem = { id: string; log: InteractionLogView; deleted?: undefined } | { id: string; deleted: { id: string }; log?: undefined };

/** Live updates poll at least this often, in case a notification was lost. */
const FALLBACK_POLL_MS = 1000;
/** An export remembers at most this many user names (one lookup per page for the others). */
const USER_NAMES_KEPT = 10_000;
/** How far a grouped page may run past its limit to keep its last group whole. */
const GROUP_SPILL = 20;

/** Who did what a log records: its event's actor (every event has one), else the log's user. */
const actorOf = (data: Record<string, unknown>, user: string): string => (data.actor as { id?: string } | undefined)?.id ?? user;

@Injectable()
export class FeedService {
  constructor(
    private readonly repo: FeedRepository,
    private readonly writes: FeedWrites,
    private readonly policy: Policy,
    @Optional() private readonly exportReader?: ExportReader,
  ) {}

  async list(filters: FeedFilters, caller: Caller, limit: number, cursor?: CursorKey) {
    const resolved = await this.resolve(filters, caller);
    const rows = await this.repo.page(resolved, limit + 1, cursor);
    return this.paged(rows, limit, resolved);
  }

  /**
   * The same page, with the logs of one user action together: `{correlation_id,
   * timestamp, logs}` newest first. A page never ends inside a group: the rows that
   * directly follow it and share its last group's correlation id come along (up to
   * GROUP_SPILL more), so a conversion's four logs are one entry even at a page's edge.
   * A group is one actor's: a client chooses its X-Correlation-Id, so another user sending
   * the same id must not join (or forge a part of) someone else's action. (The actor, not
   * the log's user: a lead created for a rep is the rep's log but the creator's action.)
   */
  async listGrouped(filters: FeedFilters, caller: Caller, limit: number, cursor?: CursorKey) {
    const resolved = await this.resolve(filters, caller);
    const rows = await this.repo.page(resolved, limit + 1 + GROUP_SPILL, cursor);
    let end = Math.min(limit, rows.length);
    const sameGroup = (a: LogRow, b: LogRow) => a.correlation_id === b.correlation_id && actorOf(a.data, a.user_id) === actorOf(b.data, b.user_id);
    while (end < rows.length && end < limit + GROUP_SPILL && sameGroup(rows[end], rows[end - 1])) end += 1;
    const { results, nextCursor } = this.paged(rows.slice(0, end + 1), end, resolved);
    const groups: { correlation_id: string; timestamp: string; logs: InteractionLogView[] }[] = [];
    const byId = new Map<string, (typeof groups)[number]>();
    for (const log of results) {
      const key = `${log.correlation_id}|${actorOf(log.data, log.user)}`;
      let group = byId.get(key);
      if (!group) {
        group = { correlation_id: log.correlation_id, timestamp: log.timestamp, logs: [] };
        byId.set(key, group);
        groups.push(group);
      }
      group.logs.push(log);
    }
    return { results: groups, nextCursor };
  }

  /** `limit` rows and the cursor after them, from up to limit + 1 rows (the extra one says there is more). */
  private paged(rows: LogRow[], limit: number, filters: ResolvedFilters) {
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return {
      results: page.map((row) => this.view(row, filters)),
      nextCursor: more && last ? encodeCursor({ createdAt: last.timestamp, id: last.id }) : null,
    };
  }

  /** A row as clients see it: with `via` on a rolled-up timeline. */
  private view(row: LogRow, filters: ResolvedFilters): InteractionLogView {
    return toView(row, filters.rollupOf ? viaOf(row, filters.rollupOf) : null);
  }

  /**
   * Every log the filters select, newest first, in pages of `pageSize` (keyset: each page
   * one query, nothing held between them), until the end or until `signal` aborts; each page
   * rendered by `line` into one chunk of text, what the export writes. A rolled-up
   * timeline's members are read once, at the start. The page is rendered before it is
   * handed over, so only the chunk waits for the client and a page's rows and views die
   * young (docs/decisions.md, "What bounds an export's memory"). The pages are read on one
   * connection held for the export (ExportReader; the feed's pool where there is none).
   */
  async *exportChunks(filters: FeedFilters, caller: Caller, pageSize: number, line: (row: ExportRow) => string, signal: AbortSignal): AsyncGenerator<string> {
    const resolved = await this.resolve(filters, caller);
    const names = new Map<string, string | null>();
    const toExport = (row: LogRow): ExportRow => {
      // The view itself with the name added, not a copy of it: one object per row, not two.
      const out = this.view(row, resolved) as ExportRow;
      out.user_name = names.get(row.user_id) ?? null;
      return out;
    };
    const db = await this.exportReader?.connect();
    let failed: Error | undefined;
    try {
      let after: CursorKey | undefined;
      while (!signal.aborted && !this.writes.closed.aborted) {
        const rows = db ? await db.read((q) => this.repo.page(resolved, pageSize, after, q)) : await this.repo.page(resolved, pageSize, after);
        if (rows.length === 0) return;
        const missing = [...new Set(rows.map((r) => r.user_id))].filter((id) => !names.has(id));
        if (names.size + missing.length > USER_NAMES_KEPT) names.clear();
        if (missing.length) {
          const found = await this.repo.userNames(missing);
          for (const id of missing) names.set(id, null); // a user since deleted
          for (const u of found) names.set(u.id, u.name);
        }
        const last = rows[rows.length - 1];
        after = rows.length < pageSize ? undefined : { createdAt: last.timestamp, id: last.id };
        let chunk = '';
        for (const row of rows) chunk += line(toExport(row));
        yield chunk;
        if (!after) return;
      }
    } catch (e) {
      failed = e as Error;
      throw e;
    } finally {
      db?.release(failed); // a failed connection is discarded, not reused
    }
  }

  /** The feed database's replication lag (FEED_DATABASE_URL on a standby), null on a primary. */
  replicaLagSeconds(): Promise<number | null> {
    return this.repo.replicaLagSeconds();
  }

  /** One log; one the caller may not read is a 404, like one that does not exist. */
  async get(id: string, caller: Caller): Promise<InteractionLogView> {
    const row = await this.repo.byId(id, this.policy.readableLogsSql(caller));
    if (!row) throw DomainError.notFound('interaction log', id);
    return toView(row);
  }

  /** Resolves with the log once a logger has written it, or null after timeoutMs. */
  async waitForLog(id: string, timeoutMs: number): Promise<InteractionLogView | null> {
    const row = await this.waitForRow(id, timeoutMs, () => true);
    return row && !row.deleted_at ? toView(row) : null; // deleted already: the client gets its 202
  }

  /**
   * Resolves with the log's row (a deleted one included) once `applied` holds for it,
   * or null after timeoutMs: a change (edit, delete) is applied by a logger later.
   */
  waitForRow(id: string, timeoutMs: number, applied: (row: LogRow) => boolean): Promise<LogRow | null> {
    return this.poll(async () => {
      const row = await this.repo.byId(id, null, true);
      return row && applied(row) ? row : null;
    }, timeoutMs);
  }

  /** A live log the caller reads, as a change (PATCH, DELETE) needs it; null when there is none for them. */
  forChange(id: string, caller: Caller) {
    return this.repo.forChange(id, this.policy.readableLogsSql(caller));
  }

  /** Asks `found` after each write a logger announces (and at least every second) until it answers, or null after timeoutMs. */
  private async poll<T>(found: () => Promise<T | null>, timeoutMs: number): Promise<T | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await found();
      if (value !== null) return value;
      const left = deadline - Date.now();
      if (left <= 0 || this.writes.closed.aborted) return null; // the client gets its 202
      await this.writes.next(Math.min(left, FALLBACK_POLL_MS), this.writes.closed);
    }
  }

  /**
   * Opens a live follow: filters are checked (and the stream's start fixed) before the
   * caller commits to a 200 event-stream, so a bad filter is still a plain 4xx.
   */
  async openStream(filters: FeedFilters, caller: Caller, from?: StreamPosition) {
    const resolved = await this.resolve(filters, caller);
    const start = from ?? (await this.repo.streamHead());
    return {
      /** Sent first, so a client cut before any log arrived still resumes from here. */
      startId: encodeStreamPosition(start),
      follow: (signal: AbortSignal) => this.follow(resolved, caller, start, AbortSignal.any([signal, this.writes.closed])),
    };
  }

  /**
   * Every log committed after `position`, as it is written, each with its SSE id, until
   * `signal` aborts. An edited log comes again with its new content; a deleted one as
   * `deleted` (its id only), and so does one an edit moved out of the stream's `type`.
   * A rolled-up timeline's members are read again before each poll, so a record linked
   * after the stream opened (a new opportunity, a task) joins it.
   */
  private async *follow(filters: ResolvedFilters, caller: Caller, position: StreamPosition, signal: AbortSignal): AsyncGenerator<StreamItem> {
    while (!signal.aborted) {
      if (filters.rollupOf) filters = { ...filters, rollupOf: await resolveRollup(this.repo, this.policy, caller, filters.rollupOf.root) };
      const rows = await this.repo.committedAfter(filters, position);
      for (const row of rows) {
        position = { xid: row.xid, id: row.id };
        const id = encodeStreamPosition(position);
        // Edited out of the stream's type (committedAfter lets it through): gone from this view.
        const left = row.deleted_at || (filters.type && row.type !== filters.type);
        yield left ? { id, deleted: { id: row.id } } : { id, log: this.view(row, filters) };
      }
      if (rows.length === 0) await this.writes.next(FALLBACK_POLL_MS, signal);
    }
  }

  /**
   * The Policy's condition on what the caller reads (every query of theirs, list and
   * stream alike, carries it), and for include_contact the opportunity's current
   * contact: the original Q(opportunity=o) | Q(contact=o.contact).
   */
  private async resolve(filters: FeedFilters, caller: Caller): Promise<ResolvedFilters> {
    const readable = this.policy.readableLogsSql(caller);
    if (filters.rollup) {
      // The query's refinement let exactly one record filter through.
      const type: RootKind = filters.lead ? 'lead' : filters.contact ? 'contact' : 'opportunity';
      const id = (filters.lead ?? filters.contact ?? filters.opportunity) as string;
      return { ...filters, readable, rollupOf: await resolveRollup(this.repo, this.policy, caller, { type, id }) };
    }
    if (!filters.include_contact || !filters.opportunity) return { ...filters, readable };
    const visible = this.policy.readableIdsSql('opportunity', caller);
    const found = await this.repo.opportunityContact(filters.opportunity, visible);
    if (!found) throw DomainError.notFound('opportunity', filters.opportunity);
    return { ...filters, readable, opportunityContact: found.contactId };
  }
}
