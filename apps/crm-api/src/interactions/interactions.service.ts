import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EventData } from '@app/contracts';
import { Policy } from '../auth/policy';
import { RecordAccess } from '../auth/record-access';
import { ContactsRepository } from '../contacts/contacts.repository';
import type { CrmRecord } from '../common/record.entity';
import type { RecordRepository } from '../common/record.repository';
import { RequestCtx } from '../common/request-context';
import { FeedService, InteractionLogView } from '../feed/feed.service';
import { LeadsRepository } from '../leads/leads.repository';
import { OpportunitiesRepository } from '../opportunities/opportunities.repository';
import { OutboxService } from '../outbox/outbox.service';
import { LogInteractionDto, PendingLogView } from './interaction.dto';

export type LoggedRecord = 'lead' | 'contact' | 'opportunity';

/**
 * Manual logs. crm-api never writes the feed: it emits `interaction.logged` and the
 * activity-logger writes the log, with the event's id as the log's id, so the id can
 * be answered at once and the log fetched (or waited for) later.
 */
@Injectable()
export class InteractionsService {
  private readonly logger = new Logger(InteractionsService.name);

  /** The records a log can be on, by kind. */
  private readonly records: Record<LoggedRecord, Pick<RecordRepository<CrmRecord>, 'insertNewIfExists'>>;

  constructor(
    leads: LeadsRepository,
    contacts: ContactsRepository,
    opportunities: OpportunitiesRepository,
    private readonly outbox: OutboxService,
    private readonly feed: FeedService,
    private readonly policy: Policy,
    private readonly access: RecordAccess,
  ) {
    this.records = { lead: leads, contact: contacts, opportunity: opportunities };
  }

  async log(kind: LoggedRecord, id: string, input: LogInteractionDto, ctx: RequestCtx): Promise<PendingLogView> {
    const records = this.records[kind];
    await this.access.assertWritableRef(ctx.caller, kind, id, 'log interactions on');
    const recordedAt = new Date();
    const time = input.timestamp ? new Date(input.timestamp) : recordedAt;
    const logId = randomUUID();
    const ids = { lead_id: null, contact_id: null, opportunity_id: null, [`${kind}_id`]: id } as Record<'lead_id' | 'contact_id' | 'opportunity_id', string | null>;
    // v2: with when it was recorded, which a backdated timestamp is well before.
    const data: Omit<EventData<'interaction.logged', 2>, 'actor'> = { type: input.type, summary: input.summary, ...ids, recorded_at: recordedAt.toISOString() };
    // The record's existence is checked in the insert's own statement: one round trip.
    await records.insertNewIfExists(id, () => this.outbox.emit(ctx, 'interaction.logged', data, { id: logId, subject: id, time }));
    return {
      id: logId,
      status: 'pending',
      timestamp: time.toISOString(),
      recorded_at: recordedAt.toISOString(),
      user: ctx.caller.id,
      type: input.type,
      summary: input.summary,
      lead: ids.lead_id,
      contact: ids.contact_id,
      opportunity: ids.opportunity_id,
      source: 'manual',
    };
  }

  /** The written log, once the activity-logger has it; null when it did not come in time. */
  async awaitWritten(logId: string, seconds: number): Promise<InteractionLogView | null> {
    if (seconds <= 0) return null;
    try {
      return await this.feed.waitForLog(logId, seconds * 1000);
    } catch (e) {
      // The wait is a convenience: the log is committed to the outbox either way.
      this.logger.warn({ msg: 'waiting for a log failed; answering 202', log_id: logId, error: (e as Error).message });
      return null;
    }
  }
}
