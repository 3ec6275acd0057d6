import { Injectable } from '@nestjs/common';
import { Policy } from '../auth/policy';
import { RecordAccess } from '../auth/record-access';
import { defined } from '../common/objects';
import { Page } from '../common/pagination';
import { Caller, RequestCtx } from '../common/request-context';
import { OutboxService } from '../outbox/outbox.service';
import { reassignment } from '../users/assignee';
import { UsersRepository } from '../users/users.repository';
import { CreateOpportunityDto, OpportunityListQuery, UpdateOpportunityDto } from './opportunity.dto';
import { Opportunity } from './opportunity.entity';
import { OpportunitiesRepository } from './opportunities.repository';

@Injectable()
export class OpportunitiesService {
  constructor(
    private readonly opportunities: OpportunitiesRepository,
    private readonly users: UsersRepository,
    private readonly outbox: OutboxService,
    private readonly policy: Policy,
    private readonly access: RecordAccess,
  ) {}

  list(query: OpportunityListQuery, caller: Caller): Promise<Page<Opportunity>> {
    const { limit, cursor, stage, owner, contact, lead } = query;
    return this.opportunities.page(defined({ stage, ownerId: owner, contactId: contact, leadId: lead }), { limit, cursor }, this.policy.on('opportunity', caller));
  }

  get(id: string, caller: Caller): Promise<Opportunity> {
    return this.opportunities.get(id, this.policy.on('opportunity', caller));
  }

  async create(input: CreateOpportunityDto, ctx: RequestCtx): Promise<Opportunity> {
    await this.access.assertReadableRefs(ctx.caller, { lead: input.lead, contact: input.contact });
    return this.opportunities.insertNew(() => this.createIn(input, ctx, new Date()));
  }

  /** Adds an opportunity and its `opportunity.created` to the current unit of work (also used by lead conversion). */
  createIn(input: CreateOpportunityDto, ctx: RequestCtx, now: Date): Opportunity {
    const opportunity = this.opportunities.add({
      name: input.name,
      amount: input.amount ?? null,
      stage: input.stage,
      ownerId: input.owner ?? ctx.caller.id,
      contactId: input.contact ?? null,
      leadId: input.lead ?? null,
      createdById: ctx.caller.id,
      createdAt: now,
      updatedAt: now,
    });
    this.outbox.emit(
      ctx,
      'opportunity.created',
      {
        opportunity_id: opportunity.id,
        name: opportunity.name,
        amount: opportunity.amount,
        stage: opportunity.stage,
        owner_id: opportunity.ownerId,
        contact_id: opportunity.contactId,
        lead_id: opportunity.leadId,
      },
      { subject: opportunity.id, time: now },
    );
    return opportunity;
  }

  /**
   * A stage that really changes emits `opportunity.stage_changed`, a new owner
   * `opportunity.reassigned`; other edits emit nothing.
   */
  async update(id: string, input: UpdateOpportunityDto, ctx: RequestCtx): Promise<Opportunity> {
    const { name, amount, stage, owner, contact, lead } = input;
    await this.access.assertReadableRefs(ctx.caller, { lead, contact });
    const patch = { name, amount, stage, ownerId: owner, contactId: contact, leadId: lead };
    return this.opportunities.change(
      id,
      patch,
      async (opportunity, { before, changed, now }) => {
        const about = { opportunity_id: opportunity.id, name: opportunity.name };
        const links = { contact_id: opportunity.contactId, lead_id: opportunity.leadId };
        const opts = { subject: opportunity.id, time: now };
        if (changed.includes('stage')) {
          this.outbox.emit(ctx, 'opportunity.stage_changed', { ...about, field: 'stage', old_value: before.stage, new_value: opportunity.stage, ...links }, opts);
        }
        if (changed.includes('ownerId')) {
          this.outbox.emit(ctx, 'opportunity.reassigned', { ...about, ...(await reassignment(this.users, 'owner', before.ownerId, opportunity.ownerId)), ...links }, opts);
        }
      },
      this.policy.on('opportunity', ctx.caller),
      ctx.ifMatch,
    );
  }

  remove(id: string, ctx: RequestCtx): Promise<void> {
    return this.opportunities.remove(
      id,
      (o) => this.outbox.emit(ctx, 'opportunity.deleted', { opportunity_id: o.id, name: o.name, contact_id: o.contactId, lead_id: o.leadId }, { subject: o.id }),
      this.policy.on('opportunity', ctx.caller),
    );
  }
}
