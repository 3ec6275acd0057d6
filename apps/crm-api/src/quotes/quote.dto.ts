import { z } from 'zod';
import { DateOnly, MoneyInput, Ref, RefFilter, RequiredText } from '../common/fields';
import { listQuery } from '../common/pagination';
import { recordView } from '../common/record.entity';
import { MoneyView, RecordViewShape } from '../common/views';
import type { Quote } from './quote.entity';

export const CreateQuoteDto = z.strictObject({
  title: RequiredText(),
  total_price: MoneyInput,
  opportunity: Ref,
  valid_until: DateOnly.nullable().optional(),
});
export type CreateQuoteDto = z.output<typeof CreateQuoteDto>;

export const UpdateQuoteDto = z.strictObject({
  title: RequiredText().optional(),
  total_price: MoneyInput.optional(),
  opportunity: Ref,
  valid_until: DateOnly.nullable().optional(),
});
export type UpdateQuoteDto = z.output<typeof UpdateQuoteDto>;

export const QuoteListQuery = listQuery({ opportunity: RefFilter });
export type QuoteListQuery = z.output<typeof QuoteListQuery>;

export const QuoteView = z.object({
  ...RecordViewShape,
  title: z.string(),
  total_price: MoneyView,
  opportunity: z.uuid().nullable(),
  valid_until: z.iso.date().nullable(),
});

export function toQuoteView(q: Quote): z.infer<typeof QuoteView> {
  return { ...recordView(q), title: q.title, total_price: q.totalPrice, opportunity: q.opportunityId, valid_until: q.validUntil };
}
