import { Injectable } from '@nestjs/common';
import { Policy } from '../auth/policy';
import { RecordAccess } from '../auth/record-access';
import { defined } from '../common/objects';
import { Page } from '../common/pagination';
import { Caller, RequestCtx } from '../common/request-context';
import { OutboxService } from '../outbox/outbox.service';
import { CreateQuoteDto, QuoteListQuery, UpdateQuoteDto } from './quote.dto';
import { Quote } from './quote.entity';
import { QuotesRepository } from './quotes.repository';

@Injectable()
export class QuotesService {
  constructor(
    private readonly quotes: QuotesRepository,
    private readonly outbox: OutboxService,
    private readonly policy: Policy,
    private readonly access: RecordAccess,
  ) {}

  list(query: QuoteListQuery, caller: Caller): Promise<Page<Quote>> {
    const { limit, cursor, opportunity } = query;
    return this.quotes.page(defined({ opportunityId: opportunity }), { limit, cursor }, this.policy.on('quote', caller));
  }

  get(id: string, caller: Caller): Promise<Quote> {
    return this.quotes.get(id, this.policy.on('quote', caller));
  }

  /** A quote is added to an opportunity: a rep may only add to one they own. */
  async create(input: CreateQuoteDto, ctx: RequestCtx): Promise<Quote> {
    if (input.opportunity) await this.access.assertWritableRef(ctx.caller, 'opportunity', input.opportunity, 'add quotes to');
    return this.quotes.insertNew(() => {
      const now = new Date();
      const quote = this.quotes.add({
        title: input.title,
        totalPrice: input.total_price,
        opportunityId: input.opportunity ?? null,
        validUntil: input.valid_until ?? null,
        createdById: ctx.caller.id,
        createdAt: now,
        updatedAt: now,
      });
      this.outbox.emit(
        ctx,
        'quote.created',
        { quote_id: quote.id, title: quote.title, total_price: quote.totalPrice, opportunity_id: quote.opportunityId },
        { subject: quote.id, time: now },
      );
      return quote;
    });
  }

  async update(id: string, input: UpdateQuoteDto, ctx: RequestCtx): Promise<Quote> {
    const { title, total_price, opportunity, valid_until } = input;
    if (opportunity) await this.access.assertWritableRef(ctx.caller, 'opportunity', opportunity, 'add quotes to');
    const patch = { title, totalPrice: total_price, opportunityId: opportunity, validUntil: valid_until };
    return this.quotes.change(id, patch, () => undefined, this.policy.on('quote', ctx.caller), ctx.ifMatch);
  }

  remove(id: string, ctx: RequestCtx): Promise<void> {
    return this.quotes.remove(
      id,
      (quote) => this.outbox.emit(ctx, 'quote.deleted', { quote_id: quote.id, title: quote.title, opportunity_id: quote.opportunityId }, { subject: quote.id }),
      this.policy.on('quote', ctx.caller),
    );
  }
}
