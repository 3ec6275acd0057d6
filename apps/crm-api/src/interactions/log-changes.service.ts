import { Injectable, Logger } from '@nestjs/common';
import type { EventData, LogType } from '@app/contracts';
import { isPrivileged } from '../auth/policy';
import { DomainError } from '../common/domain-error';
import { RequestCtx } from '../common/request-context';
import type { LogRow } from '../feed/feed.repository';
import { FeedService } from '../feed/feed.service';
import { InteractionLogView, toView } from '../feed/feed.view';
import { AcceptedLogChange, OutboxEventsRepository } from '../outbox/outbox.repository';
import { OutboxService } from '../outbox/outbox.service';
import { EditLogDto, PendingEditView } from './log-change.dto';

/**
 * Corrections of manual logs. crm-api never writes the feed: it checks the log (it
 * exists, the caller reads it, it is manual, the caller wrote it or is a manager or
 * admin) and emits `interaction.edited` / `interaction.deleted` through the outbox; the
 * activity-logger applies them to the row (last writer wins, by event time then id).
 *
 * Changes of one log are serialised here (an advisory lock for the transaction), and
 * each reads the latest change already accepted from the outbox, so that an edit
 * builds on the one before it even while that one is still on its way to the feed, and
 * its time is strictly after it: the logger's order is then the order they were made.
 */
@Injectable()
export class LogChangesService {
  private readonly logger = new Logger(LogChangesService.name);

  constructor(
    private readonly events: OutboxEventsRepository,
    private readonly outbox: OutboxService,
    private readonly feed: FeedService,
  ) {}

  /** Emits the edit; returns the log as it will be and the edit's event id. */
  async edit(id: string, input: EditLogDto, ctx: RequestCtx): Promise<{ eventId: string; pending: PendingEditView }> {
    return this.events.underLogChangeLock(id, async () => {
      const { log, latest } = await this.target(id, ctx, 'edit');
      // The content an edit starts from: the latest accepted edit when the row does not hold it yet.
      const base = latest && !this.rowHolds(log, latest) ? latest.data : { summary: log.summary, type: log.type as LogType };
      const summary = input.summary ?? base.summary!;
      const type = input.type ?? base.type!;
      const time = this.nextTime(log, latest);
      const data: Omit<EventData<'interaction.edited', 1>, 'actor'> = { log_id: log.id, log_timestamp: log.timestamp_text, type, summary };
      const event = this.outbox.emit(ctx, 'interaction.edited', data, { subject: log.id, time });
      const view = toView(log);
      return {
        eventId: event.id,
        pending: {
          ...view,
          summary,
          type,
          data: { ...view.data, summary, type },
          edited_at: time.toISOString(),
          edited_by: { id: ctx.caller.id, name: ctx.caller.name },
          status: 'pending' as const,
        },
      };
    });
  }

  /** Emits the delete; returns its event id. */
  async delete(id: string, ctx: RequestCtx): Promise<{ eventId: string }> {
    return this.events.underLogChangeLock(id, async () => {
      const { log, latest } = await this.target(id, ctx, 'delete');
      const data: Omit<EventData<'interaction.deleted', 1>, 'actor'> = { log_id: log.id, log_timestamp: log.timestamp_text };
      const event = this.outbox.emit(ctx, 'interaction.deleted', data, { subject: log.id, time: this.nextTime(log, latest) });
      return { eventId: event.id };
    });
  }

  /** The log once a logger applied the edit `eventId` (or a later one), or null after `seconds`. */
  async awaitEdit(id: string, eventId: string, editedAt: string, seconds: number): Promise<InteractionLogView | null> {
    // Also done waiting when a later edit, or a delete, overtook this one.
    const row = await this.awaitRow(id, seconds, (r) => r.edit_id === eventId || (r.edited_at !== null && r.edited_at.getTime() > Date.parse(editedAt)) || r.deleted_at !== null);
    return row && !row.deleted_at ? toView(row) : null;
  }

  /** True once the log's tombstone is written, false after `seconds`. */
  async awaitDelete(id: string, seconds: number): Promise<boolean> {
    return (await this.awaitRow(id, seconds, (r) => r.deleted_at !== null)) !== null;
  }

  private async awaitRow(id: string, seconds: number, applied: (row: LogRow) => boolean): Promise<LogRow | null> {
    if (seconds <= 0) return null;
    try {
      return await this.feed.waitForRow(id, seconds * 1000, applied);
    } catch (e) {
      // The wait is a convenience: the change is committed to the outbox either way.
      this.logger.warn({ msg: 'waiting for a log change failed; answering 202', log_id: id, error: (e as Error).message });
      return null;
    }
  }

  /**
   * The log to change, checked for this caller, and the latest change of it crm-api
   * accepted. Called under the log's change lock (one change of a log at a time).
   */
  private async target(id: string, ctx: RequestCtx, verb: 'edit' | 'delete') {
    const log = await this.feed.forChange(id, ctx.caller);
    if (!log) throw DomainError.notFound('interaction log', id);
    const latest = await this.events.latestLogChange(id);
    // Accepted but not applied yet: for this caller the log is already gone.
    if (latest?.type === 'interaction.deleted') throw DomainError.notFound('interaction log', id);
    if (log.source !== 'manual') throw DomainError.conflict(`interaction log ${id} was written by the system (source ${log.source}): only manual logs can be edited or deleted`);
    if (!isPrivileged(ctx.caller) && log.user_id !== ctx.caller.id)
      throw DomainError.forbidden(`a sales rep may only ${verb} the manual logs they wrote; interaction log ${id} is not theirs`);
    return { log, latest };
  }

  /** Whether the feed's row already holds this change (or a later one). */
  private rowHolds(log: LogRow, change: AcceptedLogChange): boolean {
    return log.edit_id === change.id || (log.edited_at !== null && log.edited_at.getTime() >= Date.parse(change.time));
  }

  /**
   * Now, or just after the log's last change when a clock (another replica's) put that
   * one later: the logger applies changes in time order, so each must come after the
   * one it was made after.
   */
  private nextTime(log: LogRow, latest: AcceptedLogChange | undefined): Date {
    const last = Math.max(log.edited_at?.getTime() ?? 0, latest ? Date.parse(latest.time) : 0);
    return new Date(Math.max(Date.now(), last + 1));
  }
}
