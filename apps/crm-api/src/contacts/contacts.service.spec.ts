import { fakeRecords, requestCtx, serviceWith } from '../../../../test/utils/record-service-test';
import { Contact } from './contact.entity';
import { ContactsRepository } from './contacts.repository';
import { ContactsService } from './contacts.service';

describe('ContactsService (repositories mocked)', () => {
  const ctx = requestCtx('sales_rep');
  const build = async () => {
    const contacts = fakeRecords<Contact>('contact');
    return { contacts, ...(await serviceWith(ContactsService, [{ provide: ContactsRepository, useValue: contacts }])) };
  };

  it('create: the lead it names must be readable; one insert with contact.created', async () => {
    const { service, contacts, emitted, access } = await build();
    const lead = '00000000-0000-4000-8000-00000000000a';
    const contact = await service.create({ name: 'Bo', lead }, ctx);
    expect(access.assertReadableRefs).toHaveBeenCalledWith(ctx.caller, { lead });
    expect(contacts.insertNew).toHaveBeenCalledTimes(1);
    expect(contact).toMatchObject({ name: 'Bo', leadId: lead, email: null, createdById: ctx.caller.id });
    expect(emitted.of('contact.created')[0].data).toMatchObject({ contact_id: contact.id, lead_id: lead });
  });

  it('update emits nothing; a refused reference stops it before any change', async () => {
    const { service, contacts, emitted, access } = await build();
    const contact = contacts.add({ name: 'Bo', email: null, phone: null, company: null, leadId: null }) as Contact;
    await service.update(contact.id, { company: 'ACME' }, ctx);
    expect(contact.company).toBe('ACME');
    access.assertReadableRefs.mockRejectedValueOnce(new Error('hidden'));
    await expect(service.update(contact.id, { lead: '00000000-0000-4000-8000-00000000000b' }, ctx)).rejects.toThrow('hidden');
    expect(contacts.change).toHaveBeenCalledTimes(1);
    expect(emitted.events).toEqual([]);
  });

  it('remove emits contact.deleted with the lead it came from', async () => {
    const { service, contacts, emitted } = await build();
    const contact = contacts.add({ name: 'Bo', email: null, phone: null, company: null, leadId: null }) as Contact;
    await service.remove(contact.id, ctx);
    expect(emitted.of('contact.deleted')[0].data).toMatchObject({ contact_id: contact.id, name: 'Bo', lead_id: null });
  });
});
