import { EXAMPLES } from '@app/contracts';
import { MetricsService } from '../health/metrics.service';
import { InteractionLogRecord, LogWriterRepository } from './log-writer.repository';
import { LogsService, toRecord } from './logs.service';

describe('LogsService', () => {
  const lead = EXAMPLES['lead.created'][1];
  const won = EXAMPLES['opportunity.stage_changed'][1];

  it('turns an event into its row: rendered log plus id, time, type, version, correlation and data', () => {
    expect(toRecord(won)).toEqual({
      id: won.id,
      timestamp: won.time,
      recordedAt: won.time,
      userId: won.data.actor.id,
      type: 'note',
      summary: 'Opportunity ACME Expansion WON! 🎉 Deal closed successfully',
      leadId: won.data.lead_id,
      contactId: won.data.contact_id,
      opportunityId: won.data.opportunity_id,
      source: 'auto',
      eventType: 'opportunity.stage_changed',
      eventVersion: 1,
      correlationId: won.correlationid,
      data: won.data,
    });
  });

  it("keeps a manual log's recorded_at (v2) beside its timestamp; a v1 one is recorded at its time", () => {
    const backdated = { ...EXAMPLES['interaction.logged'][2], time: '2026-11-20T09:00:00.000Z' };
    expect(toRecord(backdated)).toMatchObject({ timestamp: '2026-11-20T09:00:00.000Z', recordedAt: backdated.data.recorded_at, source: 'manual', eventVersion: 2 });
    const v1 = EXAMPLES['interaction.logged'][1];
    expect(toRecord(v1)).toMatchObject({ timestamp: v1.time, recordedAt: v1.time });
  });

  it('writes one row per event id, and counts what was new and what was already there', async () => {
    const inserted: InteractionLogRecord[][] = [];
    // The database already has `lead`: only `won` is new.
    const writer = { insert: jest.fn(async (rows: InteractionLogRecord[]) => (inserted.push(rows), rows.filter((r) => r.id !== lead.id).map((r) => r.id))) };
    const metrics = new MetricsService();
    const service = new LogsService(writer as unknown as LogWriterRepository, metrics);

    const outcome = await service.write([lead, won, won]);

    expect(inserted).toHaveLength(1);
    expect(inserted[0].map((r) => r.id)).toEqual([lead.id, won.id]);
    expect(outcome).toEqual({ written: [won.id], duplicates: 2 });
    expect((await metrics.logged.get()).values[0].value).toBe(1);
    expect((await metrics.duplicates.get()).values[0].value).toBe(2);
    expect((await metrics.batchSize.get()).values.find((v) => v.metricName === 'activity_logger_batch_size_count')?.value).toBe(1);
  });

  it('writes the new logs first, then the changes of logs (so a change and its log in one batch work); a change of a missing log throws once the rest is written', async () => {
    const log = EXAMPLES['interaction.logged'][1];
    const edit = EXAMPLES['interaction.edited'][1];
    const calls: string[] = [];
    const writer = {
      insert: jest.fn(async (rows: InteractionLogRecord[]) => (calls.push('insert'), rows.map((r) => r.id))),
      applyChanges: jest.fn(async (changes: { eventId: string }[]) => (calls.push('changes'), changes.map((c) => ({ eventId: c.eventId, applied: true, found: true })))),
    };
    const service = new LogsService(writer as unknown as LogWriterRepository, new MetricsService());
    expect(await service.write([edit, log])).toEqual({ written: [log.id, edit.id], duplicates: 0 });
    expect(calls).toEqual(['insert', 'changes']);
    expect(writer.insert.mock.calls[0][0].map((r) => r.id)).toEqual([log.id]); // the edit is no row of its own

    writer.applyChanges.mockImplementationOnce(async (changes) => changes.map((c) => ({ eventId: c.eventId, applied: false, found: false })));
    await expect(service.write([edit])).rejects.toThrow(`interaction log not found: ${edit.data.log_id}`);
  });

  it('lets a failed insert through untouched (the transport classifies it)', async () => {
    const error = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const writer = { insert: jest.fn(async () => Promise.reject(error)) };
    const service = new LogsService(writer as unknown as LogWriterRepository, new MetricsService());
    await expect(service.write([lead])).rejects.toBe(error);
  });
});
