import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { defined } from '../common/objects';
import { findPage, Page } from '../common/pagination';
import { deleteOr404, findOr404, updateOr404 } from '../common/records';
import { insertNew } from '../common/insert-new';
import { RequestCtx } from '../common/request-context';
import { OutboxService } from '../outbox/outbox.service';
import { Contact } from './contact.entity';
import { ContactListQuery, CreateContactDto, UpdateContactDto } from './contact.dto';

@Injectable()
export class ContactsService {
  constructor(
    private readonly em: EntityManager,
    private readonly outbox: OutboxService,
  ) {}

  list(query: ContactListQuery): Promise<Page<Contact>> {
    const { limit, cursor, lead } = query;
    return findPage(this.em, Contact, defined({ leadId: lead }), { limit, cursor });
  }

  get(id: string): Promise<Contact> {
    return findOr404(this.em, Contact, id, 'contact');
  }

  create(input: CreateContactDto, ctx: RequestCtx): Promise<Contact> {
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
      em,
      ctx,
      'contact.created',
      { contact_id: contact.id, name: contact.name, company: contact.company, lead_id: contact.leadId },
      { subject: contact.id, time: now },
    );
    return contact;
  }

  update(id: string, input: UpdateContactDto, _ctx: RequestCtx): Promise<Contact> {
    const { name, email, phone, company, lead } = input;
    return updateOr404(this.em, Contact, id, 'contact', { name, email, phone, company, leadId: lead });
  }

  remove(id: string, ctx: RequestCtx): Promise<void> {
    return deleteOr404(this.em, Contact, id, 'contact', (em, contact) =>
      this.outbox.emit(
        em,
        ctx,
        'contact.deleted',
        { contact_id: contact.id, name: contact.name, lead_id: contact.leadId },
        { subject: contact.id },
      ),
    );
  }
}
