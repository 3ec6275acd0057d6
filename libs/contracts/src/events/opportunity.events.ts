import { z } from 'zod';
import { Actor, Assignee, Money, NullableUuid, OpportunityStage, Uuid } from '../primitives';

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

/** Not in the original signals: the opportunity's owner changed (PATCH owner). */
export const OpportunityReassignedV1 = z.object({
  opportunity_id: Uuid,
  name: z.string().min(1).max(255),
  field: z.literal('owner'),
  old_value: Assignee,
  new_value: Assignee,
  contact_id: NullableUuid,
  lead_id: NullableUuid,
  actor: Actor,
});

/** Not in the original signals: the opportunity's row is gone; its logs stay in the feed. */
export const OpportunityDeletedV1 = z.object({
  opportunity_id: Uuid,
  name: z.string().min(1).max(255),
  contact_id: NullableUuid,
  lead_id: NullableUuid,
  actor: Actor,
});
