import { logRow } from '../../../../test/utils/log-row';
import { requestCtx, serviceWith } from '../../../../test/utils/record-service-test';
import { FeedService } from '../feed/feed.service';
import type { LogRow } from '../feed/feed.repository';
import type { AcceptedLogChange } from '../outbox/outbox.repository';
import { LogChangesService } from './log-changes.service';

describe('LogChangesService (repositories mocked)', () => {
  const author = requestCtx('sales_rep');
  const logId = '00000000-0000-4000-8000-0000000000f1';
  /** The author's log, with the timestamp to the microsecond that forChange reads. */
  const row = (over: Partial<LogRow> = {}) => ({
    ...logRow({
      id: logId,
      timestamp: new Date('2026-01-02T03:04:05Z'),
      user_id: author.caller.id,
      correlation_id: logId,
      data: { summary: 'Called', type: 'call' },
      xid: '1',
      ...over,
    }),
    timestamp_text: '2026-01-02T03:04:05.000000Z',
  });

  const build = async (log: ReturnType<typeof row> | null, latest?: AcceptedLogChange) => {
    const feed = { forChange: jest.fn(async () => log), waitForRow: jest.fn() };
    const built = await serviceWith(LogChangesService, [{ provide: FeedService, useValue: feed }], { latestLogChange: jest.fn(async () => latest) });
    return { events: built.outbox, feed, ...built };
  };

  it("edit: under the log's lock; the pending view carries the change, interaction.edited the whole content", async () => {
    const { service, events, emitted } = await build(row());
    const { eventId, pending } = await service.edit(logId, { summary: 'Called back' }, author);
    expect(events.underLogChangeLock).toHaveBeenCalledWith(logId, expect.any(Function));
    expect(pending).toMatchObject({ id: logId, summary: 'Called back', type: 'call', status: 'pending', edited_by: { id: author.caller.id } });
    const [event] = emitted.of('interaction.edited');
    expect(event.id).toBe(eventId);
    expect(event.data).toMatchObject({ log_id: logId, log_timestamp: '2026-01-02T03:04:05.000000Z', summary: 'Called back', type: 'call' });
  });

  it('edit builds on an accepted edit the feed does not hold yet, and comes strictly after it', async () => {
    const later = new Date(Date.now() + 60_000).toISOString();
    const { service, emitted } = await build(row(), { id: 'e1', type: 'interaction.edited', time: later, data: { summary: 'First fix', type: 'meeting' } });
    await service.edit(logId, { type: 'email' }, author);
    const [event] = emitted.of('interaction.edited');
    expect(event.data).toMatchObject({ summary: 'First fix', type: 'email' });
    expect(Date.parse(event.time)).toBe(Date.parse(later) + 1);
  });

  it("refusals: unknown or already deleted 404, a system log 409, another rep's 403; nothing emitted", async () => {
    const deleted: AcceptedLogChange = { id: 'd1', type: 'interaction.deleted', time: new Date().toISOString(), data: {} };
    const cases: [ReturnType<typeof row> | null, AcceptedLogChange | undefined, string][] = [
      [null, undefined, 'not_found'],
      [row(), deleted, 'not_found'],
      [row({ source: 'auto' }), undefined, 'conflict'],
      [row({ user_id: '00000000-0000-4000-8000-0000000000f9' }), undefined, 'forbidden'],
    ];
    for (const [log, latest, code] of cases) {
      const { service, emitted } = await build(log, latest);
      await expect(service.delete(logId, author)).rejects.toMatchObject({ code });
      expect(emitted.events).toEqual([]);
    }
  });

  it("a manager deletes another's manual log: interaction.deleted", async () => {
    const { service, emitted } = await build(row({ user_id: '00000000-0000-4000-8000-0000000000f9' }));
    const { eventId } = await service.delete(logId, requestCtx('manager'));
    expect(emitted.of('interaction.deleted')[0]).toMatchObject({ id: eventId, data: { log_id: logId } });
  });
});
