import { Injectable } from '@nestjs/common';
import { CrmEvent } from '@app/contracts';
import { MetricsService } from '../health/metrics.service';
import { InteractionLogRecord, LogWriterRepository } from './log-writer.repository';
import { renderEvent } from './summary.renderer';

export interface WriteOutcome {
  /** Event ids written by this call. */
  written: string[];
  /** How many events were already logged (nothing written for them). */
  duplicates: number;
}

/** An event's log: the rendered summary and links, plus the envelope's facts. */
export function toRecord(event: CrmEvent): InteractionLogRecord {
  return {
    ...renderEvent(event),
    id: event.id,
    timestamp: event.time,
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

  /** Renders and writes a batch of validated events in one transaction; throws if nothing was committed. */
  async write(events: CrmEvent[]): Promise<WriteOutcome> {
    // The same event twice in one batch (published twice, delivered close together) is one row.
    const unique = [...new Map(events.map((e) => [e.id, e])).values()];
    const records = unique.map(toRecord);
    this.metrics.batchSize.observe(events.length);
    const stop = this.metrics.insertSeconds.startTimer();
    let written: string[];
    try {
      written = await this.writer.insert(records);
    } finally {
      stop();
    }
    const duplicates = events.length - written.length;
    this.metrics.logged.inc(written.length);
    if (duplicates > 0) this.metrics.duplicates.inc(duplicates);
    return { written, duplicates };
  }
}
