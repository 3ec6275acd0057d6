import { z } from 'zod';
import { Actor, NullableUuid, Uuid } from '../primitives';

/** Not in the original signals; the feed shows the contact a conversion (or a rep) created. */
export const ContactCreatedV1 = z.object({
  contact_id: Uuid,
  name: z.string().min(1).max(255),
  company: z.string().max(255).nullable(),
  lead_id: NullableUuid,
  actor: Actor,
});

/** Not in the original signals: the contact's row is gone; its logs stay in the feed. */
export const ContactDeletedV1 = z.object({
  contact_id: Uuid,
  name: z.string().min(1).max(255),
  lead_id: NullableUuid,
  actor: Actor,
});
