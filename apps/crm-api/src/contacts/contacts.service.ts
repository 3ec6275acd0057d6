import { EntityManager } from '@mikro-orm/postgresql';
import { Policy } from '../auth/policy';
import { assertReadableRefs, readableWhere } from '../auth/record-access';
import { Injectable } from '@nestjs/common';
import { defined } from '../common/objects';
import { findPage, Page } from '../common/pagination';
import { deleteOr404, findOr404, updateOr404 } from '../common/records';
import { insertNew } from '../common/insert-new';
import { Caller, RequestCtx } from '../common/request-context';
import { OutboxService } from '../outbox/outbox.service';
import { Contact } from './contact.entity';
import { ContactListQuery, CreateContactDto, UpdateContactDto } from './contact.dto';

@Injectable()
export class ContactsService {
  constructor(
    private readonly em: EntityManager,
    private readonly outbox: OutboxService,
    private readonly policy: Policy,
  ) {}

  list(query: ContactListQuery, caller: Caller): Promise<Page<Contact>> {
    const { limit, cursor, lead } = query;
    return findPage(this.em, Contact, { ...defined({ leadId: lead }), ...readableWhere(this.policy.on('contact', caller)) }, { limit, cursor });
  }

  get(id: string, caller: Caller): Promise<Contact> {
    return findOr404(this.em, Contact, id, 'contact', false, this.policy.on('contact', caller));
  }

  async create(input: CreateContactDto, ctx: RequestCtx): Promise<Contact> {
    await assertReadableRefs(this.em, this.policy, ctx.caller, { lead: input.lead });
    return insertNew(this.em, (em) => this.createIn(em, input, ctx, new Date()));
  }

  /**
   * Adds a contact and its `contact.created` to the caller's unit of work, so they
   * commit together; a lead conversion uses it inside its own transaction.
   */
  createIn(em: EntityManager, input: CreateContactDto, ctx: RequestCtx, now: Date): Contact {
    const contact = em.create(Contact, {
      name: input.name,
      email: input.email ?? null,
      phone: input.phone ?? null,
      company: input.company ?? null,
      leadId: input.lead ?? null,
      createdById: ctx.caller.id,
      createdAt: now,
      updatedAt: now,
    });
    em.persist(contact);
    this.outbox.emit(
      ctx,
      'contact.created',
      { contact_id: contact.id, name: contact.name, company: contact.company, lead_id: contact.leadId },
      { subject: contact.id, time: now },
    );
    return contact;
  }

  async update(id: string, input: UpdateContactDto, ctx: RequestCtx): Promise<Contact> {
    const { name, email, phone, company, lead } = input;
    await assertReadableRefs(this.em, this.policy, ctx.caller, { lead });
    return updateOr404(this.em, Contact, id, 'contact', { name, email, phone, company, leadId: lead }, undefined, this.policy.on('contact', ctx.caller), ctx.ifMatch);
  }

  remove(id: string, ctx: RequestCtx): Promise<void> {
    return deleteOr404(this.em, Contact, id, 'contact', (em, contact) =>
      this.outbox.emit(
        ctx,
        'contact.deleted',
        { contact_id: contact.id, name: contact.name, lead_id: contact.leadId },
        { subject: contact.id },
      ),
      this.policy.on('contact', ctx.caller),
    );
  }
}
