import { Injectable } from '@nestjs/common';
import { CrmEvent, isLogChange } from '@app/contracts';
import { MetricsService } from '../health/metrics.service';
import { InteractionLogRecord, LogWriterRepository } from './log-writer.repository';
import { decisiveChanges, LogNotFoundError, toChange } from './log-changes';
import { renderEvent } from './summary.renderer';

export interface WriteOutcome {
  /** Event ids written by this call. */
  written: string[];
  /** How many events were already logged (nothing written for them). */
  duplicates: number;
}

/**
 * When the log was recorded. Only a manual log's time can be set by its author (in the
 * past): interaction.logged v2 says when crm-api accepted it. Every other event's time is
 * crm-api's own clock at the change, so it is its recording time too (as is a v1 manual
 * log's, the best there is).
 */
function recordedAt(event: CrmEvent): string {
  const data = event.data as { recorded_at?: unknown };
  return event.type === 'interaction.logged' && typeof data.recorded_at === 'string' ? data.recorded_at : event.time;
}

/**
 * An event's log: the rendered summary and links, plus the envelope's facts. Every field
 * is named, in one order: a spread of the rendered log here made each record a slow
 * (dictionary) object, 10 % of the logger's CPU in a drain's profile with batchRow's
 * reads of it another 4 % (docs/benchmarks.md, "the cost of a write").
 */
export function toRecord(event: CrmEvent): InteractionLogRecord {
  const log = renderEvent(event);
  return {
    userId: log.userId,
    type: log.type,
    summary: log.summary,
    leadId: log.leadId,
    contactId: log.contactId,
    opportunityId: log.opportunityId,
    source: log.source,
    id: event.id,
    timestamp: event.time,
    recordedAt: recordedAt(event),
    eventType: event.type,
    eventVersion: event.dataversion,
    correlationId: event.correlationid,
    data: event.data,
  };
}

@Injectable()
export class LogsService {
  constructor(
    private readonly writer: LogWriterRepository,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Renders and writes a batch of validated events: the new logs in one statement, then
   * the changes of existing manual logs in another (so a change and its log in one batch
   * work). Throws if a statement failed: what committed before is written again
   * harmlessly (ids dedup, changes are last-writer-wins), so the transport may retry it
   * all. A change whose log is not there throws LogNotFoundError after the rest
   * committed: the transport then isolates it, returns it to the queue and, after its
   * last attempt, dead-letters it, from where ops can replay it once its log exists.
   */
  async write(events: CrmEvent[]): Promise<WriteOutcome> {
    // The same event twice in one batch (published twice, delivered close together) is one row.
    const unique = [...new Map(events.map((e) => [e.id, e])).values()];
    const records = unique.filter((e) => !isLogChange(e.type)).map(toRecord);
    const changes = decisiveChanges(unique.filter((e) => isLogChange(e.type)).map(toChange));
    this.metrics.batchSize.observe(events.length);
    const stop = this.metrics.insertSeconds.startTimer();
    let written: string[];
    try {
      written = await this.writer.insert(records);
      this.metrics.logged.inc(written.length);
      if (changes.length > 0) {
        const outcomes = await this.writer.applyChanges(changes);
        const missing = outcomes.filter((o) => !o.found).map((o) => changes.find((c) => c.eventId === o.eventId)!.logId);
        if (missing.length > 0) throw new LogNotFoundError(missing);
        written = [...written, ...outcomes.filter((o) => o.applied).map((o) => o.eventId)];
      }
    } finally {
      stop();
    }
    const duplicates = events.length - written.length;
    if (duplicates > 0) this.metrics.duplicates.inc(duplicates);
    return { written, duplicates };
  }
}
