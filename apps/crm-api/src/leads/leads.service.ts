import { Injectable } from '@nestjs/common';
import { Policy } from '../auth/policy';
import type { LeadStatus } from '@app/contracts';
import { Contact } from '../contacts/contact.entity';
import { ContactsService } from '../contacts/contacts.service';
import { DomainError } from '../common/domain-error';
import { defined } from '../common/objects';
import { Page } from '../common/pagination';
import { Caller, RequestCtx } from '../common/request-context';
import { Opportunity } from '../opportunities/opportunity.entity';
import { OpportunitiesService } from '../opportunities/opportunities.service';
import { OutboxService } from '../outbox/outbox.service';
import { reassignment } from '../users/assignee';
import { UsersRepository } from '../users/users.repository';
import { CONVERTED_RULE, ConvertLeadDto, CreateLeadDto, LeadListQuery, UpdateLeadDto } from './lead.dto';
import { Lead } from './lead.entity';
import { LeadsRepository } from './leads.repository';

export interface Conversion {
  lead: Lead;
  contact: Contact;
  opportunity: Opportunity;
}

@Injectable()
export class LeadsService {
  constructor(
    private readonly leads: LeadsRepository,
    private readonly users: UsersRepository,
    private readonly outbox: OutboxService,
    private readonly policy: Policy,
    private readonly contacts: ContactsService,
    private readonly opportunities: OpportunitiesService,
  ) {}

  list(query: LeadListQuery, caller: Caller): Promise<Page<Lead>> {
    const { limit, cursor, status, assigned_to } = query;
    return this.leads.page(defined({ status, assignedToId: assigned_to }), { limit, cursor }, this.policy.on('lead', caller));
  }

  get(id: string, caller: Caller): Promise<Lead> {
    return this.leads.get(id, this.policy.on('lead', caller));
  }

  create(input: CreateLeadDto, ctx: RequestCtx): Promise<Lead> {
    return this.leads.insertNew(() => {
      const now = new Date();
      const lead = this.leads.add({
        name: input.name,
        email: input.email ?? null,
        company: input.company ?? null,
        phone: input.phone ?? null,
        status: input.status,
        assignedToId: input.assigned_to ?? null,
        createdById: ctx.caller.id,
        createdAt: now,
        updatedAt: now,
      });
      this.outbox.emit(
        ctx,
        'lead.created',
        { lead_id: lead.id, name: lead.name, company: lead.company, status: lead.status, assigned_to: lead.assignedToId },
        { subject: lead.id, time: now },
      );
      return lead;
    });
  }

  /**
   * A status that really changes emits `lead.status_changed`, a new assignee
   * `lead.reassigned`; other edits emit nothing.
   */
  update(id: string, input: UpdateLeadDto, ctx: RequestCtx): Promise<Lead> {
    const { name, email, company, phone, status, assigned_to } = input;
    const patch = { name, email, company, phone, status, assignedToId: assigned_to };
    // updateOr404 writes the change only onto the row version this check saw (else it
    // checks again on the new one), and convert() holds the row FOR UPDATE: this check and
    // a concurrent conversion are serialized, whichever comes second sees the other's result.
    return this.leads.change(
      id,
      patch,
      async (lead, { before, changed, now }) => {
        if (changed.includes('status') && (before.status === 'converted' || lead.status === 'converted')) {
          throw DomainError.conflict(`lead ${id}: ${CONVERTED_RULE}`);
        }
        if (changed.includes('status')) this.statusChanged(lead, before.status, ctx, now);
        if (changed.includes('assignedToId')) {
          this.outbox.emit(
            ctx,
            'lead.reassigned',
            { lead_id: lead.id, name: lead.name, ...(await reassignment(this.users, 'assigned_to', before.assignedToId, lead.assignedToId)) },
            { subject: lead.id, time: now },
          );
        }
      },
      this.policy.on('lead', ctx.caller),
      ctx.ifMatch,
    );
  }

  remove(id: string, ctx: RequestCtx): Promise<void> {
    return this.leads.remove(id, (lead) => this.outbox.emit(ctx, 'lead.deleted', { lead_id: lead.id, name: lead.name }, { subject: lead.id }), this.policy.on('lead', ctx.caller));
  }

  /**
   * One transaction: a contact copied from the lead, an opportunity linked to both, the
   * lead set to converted. Its four events share the request's correlation id, in the
   * order a reader expects: contact.created, opportunity.created, lead.status_changed,
   * lead.converted. The lead row is locked first, so two concurrent conversions cannot
   * both pass the "already converted" check.
   * The steps are stamped a millisecond apart (all within the transaction's own span):
   * the feed orders by time, and four logs with one timestamp would come out in random
   * order.
   */
  convert(id: string, input: ConvertLeadDto, ctx: RequestCtx): Promise<Conversion> {
    return this.leads.changeLocked(id, { ...this.policy.on('lead', ctx.caller), write: 'convert' }, (lead) => {
      if (lead.status === 'converted') throw DomainError.conflict(`lead ${id} is already converted`);
      const start = Date.now();
      const step = (n: number) => new Date(start + n);

      const contact = this.contacts.createIn({ name: lead.name, email: lead.email, phone: lead.phone, company: lead.company, lead: lead.id }, ctx, step(0));
      // The opportunity's row references the contact's: the unit of work inserts the
      // contact first by itself (the references are relations, common/record.entity.ts).
      const o = input.opportunity;
      const opportunity = this.opportunities.createIn({ name: o.name, amount: o.amount, stage: o.stage, owner: o.owner, contact: contact.id, lead: lead.id }, ctx, step(1));

      const oldStatus = lead.status;
      lead.status = 'converted';
      lead.updatedAt = step(2);
      lead.convertedContactId = contact.id;
      lead.convertedOpportunityId = opportunity.id;
      lead.convertedAt = step(0);
      this.statusChanged(lead, oldStatus, ctx, step(2));
      this.outbox.emit(
        ctx,
        'lead.converted',
        { lead_id: lead.id, name: lead.name, contact_id: contact.id, opportunity_id: opportunity.id, opportunity_name: opportunity.name },
        { subject: lead.id, time: step(3) },
      );
      return { lead, contact, opportunity };
    });
  }

  private statusChanged(lead: Lead, oldStatus: LeadStatus, ctx: RequestCtx, now: Date) {
    this.outbox.emit(
      ctx,
      'lead.status_changed',
      { lead_id: lead.id, name: lead.name, field: 'status', old_value: oldStatus, new_value: lead.status },
      { subject: lead.id, time: now },
    );
  }
}
