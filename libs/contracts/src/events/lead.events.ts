import { z } from 'zod';
import { Actor, LeadStatus, NullableUuid, Uuid } from '../primitives';

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
