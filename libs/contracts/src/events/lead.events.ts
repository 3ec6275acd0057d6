import { z } from 'zod';
import { Actor, Assignee, LeadStatus, NullableUuid, Uuid } from '../primitives';

export const LeadCreatedV1 = z.object({
  lead_id: Uuid,
  name: z.string().min(1).max(255),
  company: z.string().max(255).nullable(),
  status: LeadStatus,
  assigned_to: NullableUuid,
  actor: Actor,
});

export const LeadStatusChangedV1 = z.object({
  lead_id: Uuid,
  name: z.string().min(1).max(255),
  field: z.literal('status'),
  old_value: LeadStatus,
  new_value: LeadStatus,
  actor: Actor,
});

export const LeadConvertedV1 = z.object({
  lead_id: Uuid,
  name: z.string().min(1).max(255),
  contact_id: Uuid,
  opportunity_id: Uuid,
  opportunity_name: z.string().min(1).max(255),
  actor: Actor,
});

/** Not in the original signals: who a lead is assigned to changed (PATCH assigned_to). */
export const LeadReassignedV1 = z.object({
  lead_id: Uuid,
  name: z.string().min(1).max(255),
  field: z.literal('assigned_to'),
  old_value: Assignee,
  new_value: Assignee,
  actor: Actor,
});

/** Not in the original signals: the lead's row is gone; its logs stay in the feed. */
export const LeadDeletedV1 = z.object({
  lead_id: Uuid,
  name: z.string().min(1).max(255),
  actor: Actor,
});
