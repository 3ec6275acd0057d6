import { z } from 'zod';
import { Actor, Money, NullableUuid, Uuid } from '../primitives';

export const QuoteCreatedV1 = z.object({
  quote_id: Uuid,
  title: z.string().min(1).max(255),
  total_price: Money,
  opportunity_id: NullableUuid,
  actor: Actor,
});
