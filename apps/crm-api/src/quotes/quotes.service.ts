import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { defined } from '../common/objects';
import { findPage, Page } from '../common/pagination';
import { deleteOr404, findOr404, updateOr404 } from '../common/records';
import { insertNew } from '../common/insert-new';
import { RequestCtx } from '../common/request-context';
import { OutboxService } from '../outbox/outbox.service';
import { CreateQuoteDto, QuoteListQuery, UpdateQuoteDto } from './quote.dto';
import { Quote } from './quote.entity';

@Injectable()
export class QuotesService {
  constructor(
    private readonly em: EntityManager,
    private readonly outbox: OutboxService,
  ) {}

  list(query: QuoteListQuery): Promise<Page<Quote>> {
    const { limit, cursor, opportunity } = query;
    return findPage(this.em, Quote, defined({ opportunityId: opportunity }), { limit, cursor });
  }

  get(id: string): Promise<Quote> {
    return findOr404(this.em, Quote, id, 'quote');
  }

  create(input: CreateQuoteDto, ctx: RequestCtx): Promise<Quote> {
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
        em,
        ctx,
        'quote.created',
        { quote_id: quote.id, title: quote.title, total_price: quote.totalPrice, opportunity_id: quote.opportunityId },
        { subject: quote.id, time: now },
      );
      return quote;
    });
  }

  update(id: string, input: UpdateQuoteDto, _ctx: RequestCtx): Promise<Quote> {
    const { title, total_price, opportunity, valid_until } = input;
    return updateOr404(this.em, Quote, id, 'quote', { title, totalPrice: total_price, opportunityId: opportunity, validUntil: valid_until });
  }

  remove(id: string, ctx: RequestCtx): Promise<void> {
    return deleteOr404(this.em, Quote, id, 'quote', (em, quote) =>
      this.outbox.emit(
        em,
        ctx,
        'quote.deleted',
        { quote_id: quote.id, title: quote.title, opportunity_id: quote.opportunityId },
        { subject: quote.id },
      ),
    );
  }
}
