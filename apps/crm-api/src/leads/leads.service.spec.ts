import { fakeRecords, FakeRecords, requestCtx, serviceWith } from '../../../../test/utils/record-service-test';
import { Contact } from '../contacts/contact.entity';
import { ContactsRepository } from '../contacts/contacts.repository';
import { ContactsService } from '../contacts/contacts.service';
import { DomainError } from '../common/domain-error';
import { Opportunity } from '../opportunities/opportunity.entity';
import { OpportunitiesRepository } from '../opportunities/opportunities.repository';
import { OpportunitiesService } from '../opportunities/opportunities.service';
import { UsersRepository } from '../users/users.repository';
import { Lead } from './lead.entity';
import { LeadsRepository } from './leads.repository';
import { LeadsService } from './leads.service';

describe('LeadsService (repositories mocked)', () => {
  let leads: FakeRecords<Lead>;
  let contacts: FakeRecords<Contact>;
  let opportunities: FakeRecords<Opportunity>;
  const users = { names: jest.fn(async (ids: string[]) => new Map(ids.map((id) => [id, `name of ${id}`]))) };
  const ctx = requestCtx('manager');

  const build = () => {
    leads = fakeRecords<Lead>('lead');
    contacts = fakeRecords<Contact>('contact');
    opportunities = fakeRecords<Opportunity>('opportunity');
    return serviceWith(LeadsService, [
      ContactsService,
      OpportunitiesService,
      { provide: LeadsRepository, useValue: leads },
      { provide: ContactsRepository, useValue: contacts },
      { provide: OpportunitiesRepository, useValue: opportunities },
      { provide: UsersRepository, useValue: users },
    ]);
  };
  const aLead = (over: Partial<Lead> = {}) => leads.add({ name: 'Ada', email: null, company: 'ACME', phone: null, status: 'new', assignedToId: null, ...over }) as Lead;

  it('create: one insert of the lead and its lead.created, stamped by the caller', async () => {
    const { service, emitted } = await build();
    const lead = await service.create({ name: 'Ada', company: 'ACME', status: 'new' }, ctx);
    expect(leads.insertNew).toHaveBeenCalledTimes(1);
    expect(lead).toMatchObject({ name: 'Ada', company: 'ACME', email: null, status: 'new', createdById: ctx.caller.id });
    expect(emitted.types()).toEqual(['lead.created']);
    expect(emitted.events[0]).toMatchObject({ subject: lead.id, correlationid: ctx.correlationId, data: { lead_id: lead.id, actor: { id: ctx.caller.id } } });
  });

  it('update: a real status change and a new assignee emit, with both assignees named; nothing else does', async () => {
    const { service, emitted } = await build();
    const lead = aLead();
    const to = '00000000-0000-4000-8000-000000000001';
    await service.update(lead.id, { status: 'contacted', assigned_to: to }, ctx);
    expect(emitted.types()).toEqual(['lead.status_changed', 'lead.reassigned']);
    expect(emitted.of('lead.reassigned')[0].data).toMatchObject({ field: 'assigned_to', old_value: null, new_value: { id: to, name: `name of ${to}` } });
    await service.update(lead.id, { company: 'Other' }, ctx);
    expect(emitted.events).toHaveLength(2);
  });

  it('update: converted is neither set nor left by PATCH (409, nothing emitted)', async () => {
    const { service, emitted } = await build();
    const lead = aLead();
    await expect(service.update(lead.id, { status: 'converted' }, ctx)).rejects.toMatchObject({ code: 'conflict' });
    const converted = aLead({ status: 'converted' });
    await expect(service.update(converted.id, { status: 'new' }, ctx)).rejects.toBeInstanceOf(DomainError);
    expect(emitted.events).toEqual([]);
  });

  it('convert: contact, opportunity and the lead in one locked change; four events a millisecond apart', async () => {
    const { service, emitted } = await build();
    const lead = aLead();
    const { contact, opportunity } = await service.convert(lead.id, { opportunity: { name: 'Deal', amount: '10.00', stage: 'qualification' } }, ctx);
    expect(leads.changeLocked).toHaveBeenCalledWith(lead.id, expect.objectContaining({ write: 'convert' }), expect.any(Function));
    expect(contact).toMatchObject({ name: 'Ada', leadId: lead.id });
    expect(opportunity).toMatchObject({ name: 'Deal', contactId: contact.id, leadId: lead.id, ownerId: ctx.caller.id });
    expect(lead).toMatchObject({ status: 'converted', convertedContactId: contact.id, convertedOpportunityId: opportunity.id });
    expect(emitted.types()).toEqual(['contact.created', 'opportunity.created', 'lead.status_changed', 'lead.converted']);
    const times = emitted.events.map((e) => Date.parse(e.time));
    expect(times.slice(1).map((t, i) => t - times[i])).toEqual([1, 1, 1]);
  });

  it('convert: an already converted lead is a 409', async () => {
    const { service, emitted } = await build();
    const lead = aLead({ status: 'converted' });
    await expect(service.convert(lead.id, { opportunity: { name: 'Deal', amount: '1.00', stage: 'qualification' } }, ctx)).rejects.toMatchObject({ code: 'conflict' });
    expect(emitted.events).toEqual([]);
  });

  it('list: the filters given, paged, only what the caller reads', async () => {
    const { service } = await build();
    await service.list({ status: 'new', limit: 5 }, ctx.caller);
    expect(leads.page).toHaveBeenCalledWith({ status: 'new' }, { limit: 5, cursor: undefined }, expect.objectContaining({ kind: 'lead', caller: ctx.caller }));
  });

  it('remove: lead.deleted names what was deleted; a missing lead is a 404', async () => {
    const { service, emitted } = await build();
    const lead = aLead();
    await service.remove(lead.id, ctx);
    expect(emitted.of('lead.deleted')[0].data).toMatchObject({ lead_id: lead.id, name: 'Ada' });
    await expect(service.get(lead.id, ctx.caller)).rejects.toMatchObject({ code: 'not_found' });
  });
});
