import { z } from 'zod';
import { Actor, Money, NullableUuid, OpportunityStage, Uuid } from '../primitives';

export const OpportunityCreatedV1 = z.object({
  opportunity_id: Uuid,
  name: z.string().min(1).max(255),
  /** null when the opportunity has no amount yet; the summary then reads $0.00. */
  amount: Money.nullable(),
  stage: OpportunityStage,
  owner_id: Uuid,
  contact_id: NullableUuid,
  lead_id: NullableUuid,
  actor: Actor,
});

export const OpportunityStageChangedV1 = z.object({
  opportunity_id: Uuid,
  name: z.string().min(1).max(255),
  field: z.literal('stage'),
  old_value: OpportunityStage,
  new_value: OpportunityStage,
  contact_id: NullableUuid,
  lead_id: NullableUuid,
  actor: Actor,
});
