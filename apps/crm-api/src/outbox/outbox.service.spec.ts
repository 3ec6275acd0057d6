import { requestCtx, serviceWith } from '../../../../test/utils/record-service-test';
import { OutboxService } from './outbox.service';

describe('OutboxService (events repository mocked)', () => {
  it('an event of the request: its caller the actor, its correlation id, added to the current unit of work', async () => {
    const { service, outbox } = await serviceWith(OutboxService, []);
    const ctx = requestCtx('sales_rep');
    const time = new Date('2026-01-02T03:04:05.006Z');
    const event = service.emit(ctx, 'lead.deleted', { lead_id: '00000000-0000-4000-8000-000000000011', name: 'Ada' }, { subject: 'x', time });
    expect(outbox.add).toHaveBeenCalledWith(event);
    expect(event).toMatchObject({
      type: 'lead.deleted',
      subject: 'x',
      time: '2026-01-02T03:04:05.006Z',
      correlationid: ctx.correlationId,
      data: { name: 'Ada', actor: { id: ctx.caller.id, name: ctx.caller.name, kind: 'user' } },
    });
  });
});
