import { fakeRecords, requestCtx, serviceWith } from '../../../../test/utils/record-service-test';
import { Contact } from '../contacts/contact.entity';
import { ContactsRepository } from '../contacts/contacts.repository';
import { FeedService } from '../feed/feed.service';
import { Lead } from '../leads/lead.entity';
import { LeadsRepository } from '../leads/leads.repository';
import { Opportunity } from '../opportunities/opportunity.entity';
import { OpportunitiesRepository } from '../opportunities/opportunities.repository';
import { InteractionsService } from './interactions.service';

describe('InteractionsService (repositories mocked)', () => {
  const ctx = requestCtx('sales_rep');
  const build = async () => {
    const leads = fakeRecords<Lead>('lead');
    const feed = { waitForLog: jest.fn() };
    const built = await serviceWith(InteractionsService, [
      { provide: LeadsRepository, useValue: leads },
      { provide: ContactsRepository, useValue: fakeRecords<Contact>('contact') },
      { provide: OpportunitiesRepository, useValue: fakeRecords<Opportunity>('opportunity') },
      { provide: FeedService, useValue: feed },
    ]);
    return { leads, feed, ...built };
  };

  it('log: the record must be writable and exist (same statement); interaction.logged v2 has the log id', async () => {
    const { service, leads, emitted, access } = await build();
    const lead = leads.add({ name: 'Ada' });
    const pending = await service.log('lead', lead.id, { type: 'call', summary: 'Called', timestamp: '2026-01-02T03:04:05.000Z' }, ctx);
    expect(access.assertWritableRef).toHaveBeenCalledWith(ctx.caller, 'lead', lead.id, 'log interactions on');
    expect(leads.insertNewIfExists).toHaveBeenCalledWith(lead.id, expect.any(Function));
    expect(pending).toMatchObject({ status: 'pending', lead: lead.id, contact: null, opportunity: null, timestamp: '2026-01-02T03:04:05.000Z', source: 'manual' });
    const [event] = emitted.of('interaction.logged');
    expect(event).toMatchObject({ id: pending.id, subject: lead.id, time: pending.timestamp, dataversion: 2 });
    expect(event.data).toMatchObject({ type: 'call', summary: 'Called', lead_id: lead.id, recorded_at: pending.recorded_at });
  });

  it('log on a record that is gone: the 404 of the insert, nothing answered', async () => {
    const { service } = await build();
    await expect(service.log('lead', '00000000-0000-4000-8000-0000000000e1', { type: 'note', summary: 'x' }, ctx)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('awaitWritten: no wait for 0 s; a failed wait answers null (the log is committed anyway)', async () => {
    const { service, feed } = await build();
    expect(await service.awaitWritten('id', 0)).toBeNull();
    expect(feed.waitForLog).not.toHaveBeenCalled();
    feed.waitForLog.mockRejectedValueOnce(new Error('pool gone'));
    expect(await service.awaitWritten('id', 2)).toBeNull();
    expect(feed.waitForLog).toHaveBeenCalledWith('id', 2000);
  });
});
