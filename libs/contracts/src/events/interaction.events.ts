import { z } from 'zod';
import { Actor, LogType, NullableUuid } from '../primitives';

/** A rep's manual log. The event id becomes the log's id, so the API can answer it at once. */
export const InteractionLoggedV1 = z.object({
  type: LogType,
  summary: z.string().min(1).max(10000),
  lead_id: NullableUuid,
  contact_id: NullableUuid,
  opportunity_id: NullableUuid,
  actor: Actor,
});
