import { z } from 'zod';
import { Actor, Money, NullableUuid, Uuid } from '../primitives';

export const QuoteCreatedV1 = z.object({
  quote_id: Uuid,
  title: z.string().min(1).max(255),
  total_price: Money,
  opportunity_id: NullableUuid,
  actor: Actor,
});

/** Not in the original signals: the quote's row is gone. */
export const QuoteDeletedV1 = z.object({
  quote_id: Uuid,
  title: z.string().min(1).max(255),
  opportunity_id: NullableUuid,
  actor: Actor,
});
