import { EntityManager } from '@mikro-orm/postgresql';
import { Policy } from '../auth/policy';
import { assertWritableRef, readableWhere } from '../auth/record-access';
import { Injectable } from '@nestjs/common';
import { defined } from '../common/objects';
import { findPage, Page } from '../common/pagination';
import { deleteOr404, findOr404, updateOr404 } from '../common/records';
import { insertNew } from '../common/insert-new';
import { Caller, RequestCtx } from '../common/request-context';
import { OutboxService } from '../outbox/outbox.service';
import { CreateQuoteDto, QuoteListQuery, UpdateQuoteDto } from './quote.dto';
import { Quote } from './quote.entity';

@Injectable()
export class QuotesService {
  constructor(
    private readonly em: EntityManager,
    private readonly outbox: OutboxService,
    private readonly policy: Policy,
  ) {}

  list(query: QuoteListQuery, caller: Caller): Promise<Page<Quote>> {
    const { limit, cursor, opportunity } = query;
    return findPage(this.em, Quote, { ...defined({ opportunityId: opportunity }), ...readableWhere(this.policy.on('quote', caller)) }, { limit, cursor });
  }

  get(id: string, caller: Caller): Promise<Quote> {
    return findOr404(this.em, Quote, id, 'quote', false, this.policy.on('quote', caller));
  }

  /** A quote is added to an opportunity: a rep may only add to one they own. */
  async create(input: CreateQuoteDto, ctx: RequestCtx): Promise<Quote> {
    if (input.opportunity) await assertWritableRef(this.em, this.policy, ctx.caller, 'opportunity', input.opportunity, 'add quotes to');
    return insertNew(this.em, (em) => {
      const now = new Date();
      const quote = em.create(Quote, {
        title: input.title,
        totalPrice: input.total_price,
        opportunityId: input.opportunity ?? null,
        validUntil: input.valid_until ?? null,
        createdById: ctx.caller.id,
        createdAt: now,
        updatedAt: now,
      });
      em.persist(quote);
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
    if (opportunity) await assertWritableRef(this.em, this.policy, ctx.caller, 'opportunity', opportunity, 'add quotes to');
    const patch = { title, totalPrice: total_price, opportunityId: opportunity, validUntil: valid_until };
    return updateOr404(this.em, Quote, id, 'quote', patch, undefined, this.policy.on('quote', ctx.caller), ctx.ifMatch);
  }

  remove(id: string, ctx: RequestCtx): Promise<void> {
    return deleteOr404(this.em, Quote, id, 'quote', (em, quote) =>
      this.outbox.emit(
        ctx,
        'quote.deleted',
        { quote_id: quote.id, title: quote.title, opportunity_id: quote.opportunityId },
        { subject: quote.id },
      ),
      this.policy.on('quote', ctx.caller),
    );
  }
}
