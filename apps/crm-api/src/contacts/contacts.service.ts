import { Injectable } from '@nestjs/common';
import { Policy } from '../auth/policy';
import { RecordAccess } from '../auth/record-access';
import { defined } from '../common/objects';
import { Page } from '../common/pagination';
import { Caller, RequestCtx } from '../common/request-context';
import { OutboxService } from '../outbox/outbox.service';
import { Contact } from './contact.entity';
import { ContactListQuery, CreateContactDto, UpdateContactDto } from './contact.dto';
import { ContactsRepository } from './contacts.repository';

@Injectable()
export class ContactsService {
  constructor(
    private readonly contacts: ContactsRepository,
    private readonly outbox: OutboxService,
    private readonly policy: Policy,
    private readonly access: RecordAccess,
  ) {}

  list(query: ContactListQuery, caller: Caller): Promise<Page<Contact>> {
    const { limit, cursor, lead } = query;
    return this.contacts.page(defined({ leadId: lead }), { limit, cursor }, this.policy.on('contact', caller));
  }

  get(id: string, caller: Caller): Promise<Contact> {
    return this.contacts.get(id, this.policy.on('contact', caller));
  }

  async create(input: CreateContactDto, ctx: RequestCtx): Promise<Contact> {
    await this.access.assertReadableRefs(ctx.caller, { lead: input.lead });
    return this.contacts.insertNew(() => this.createIn(input, ctx, new Date()));
  }

  /**
   * Adds a contact and its `contact.created` to the current unit of work, so they
   * commit together; a lead conversion uses it inside its own transaction.
   */
  createIn(input: CreateContactDto, ctx: RequestCtx, now: Date): Contact {
    const contact = this.contacts.add({
      name: input.name,
      email: input.email ?? null,
      phone: input.phone ?? null,
      company: input.company ?? null,
      leadId: input.lead ?? null,
      createdById: ctx.caller.id,
      createdAt: now,
      updatedAt: now,
    });
    this.outbox.emit(ctx, 'contact.created', { contact_id: contact.id, name: contact.name, company: contact.company, lead_id: contact.leadId }, { subject: contact.id, time: now });
    return contact;
  }

  async update(id: string, input: UpdateContactDto, ctx: RequestCtx): Promise<Contact> {
    const { name, email, phone, company, lead } = input;
    await this.access.assertReadableRefs(ctx.caller, { lead });
    return this.contacts.change(id, { name, email, phone, company, leadId: lead }, () => undefined, this.policy.on('contact', ctx.caller), ctx.ifMatch);
  }

  remove(id: string, ctx: RequestCtx): Promise<void> {
    return this.contacts.remove(
      id,
      (contact) => this.outbox.emit(ctx, 'contact.deleted', { contact_id: contact.id, name: contact.name, lead_id: contact.leadId }, { subject: contact.id }),
      this.policy.on('contact', ctx.caller),
    );
  }
}
