import { OpportunityStage } from '@app/contracts';
import { z } from 'zod';
import { MoneyInput, Ref, RefFilter, RequiredText } from '../common/fields';
import { listQuery } from '../common/pagination';
import { recordView } from '../common/record.entity';
import { MoneyView, RecordViewShape } from '../common/views';
import type { Opportunity } from './opportunity.entity';

export const CreateOpportunityDto = z.strictObject({
  name: RequiredText(),
  amount: MoneyInput.nullable().optional(),
  stage: OpportunityStage.default('qualification'),
  owner: z.uuid({ message: 'must be a UUID' }).optional().describe('a user id; default: the caller'),
  contact: Ref,
  lead: Ref,
});
export type CreateOpportunityDto = z.output<typeof CreateOpportunityDto>;

export const UpdateOpportunityDto = z.strictObject({
  name: RequiredText().optional(),
  amount: MoneyInput.nullable().optional(),
  stage: OpportunityStage.optional(),
  owner: z.uuid({ message: 'must be a UUID' }).optional(),
  contact: Ref,
  lead: Ref,
});
export type UpdateOpportunityDto = z.output<typeof UpdateOpportunityDto>;

export const OpportunityListQuery = listQuery({
  stage: OpportunityStage.optional(),
  owner: RefFilter,
  contact: RefFilter,
  lead: RefFilter,
});
export type OpportunityListQuery = z.output<typeof OpportunityListQuery>;

export const OpportunityView = z.object({
  ...RecordViewShape,
  name: z.string(),
  amount: MoneyView.nullable(),
  stage: OpportunityStage,
  owner: z.uuid(),
  contact: z.uuid().nullable(),
  lead: z.uuid().nullable(),
});

export function toOpportunityView(o: Opportunity): z.infer<typeof OpportunityView> {
  return {
    ...recordView(o),
    name: o.name,
    amount: o.amount,
    stage: o.stage,
    owner: o.ownerId,
    contact: o.contactId,
    lead: o.leadId,
  };
}
