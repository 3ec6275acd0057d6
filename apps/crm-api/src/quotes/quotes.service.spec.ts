import { fakeRecords, requestCtx, serviceWith } from '../../../../test/utils/record-service-test';
import { Quote } from './quote.entity';
import { QuotesRepository } from './quotes.repository';
import { QuotesService } from './quotes.service';

describe('QuotesService (repositories mocked)', () => {
  const ctx = requestCtx('sales_rep');
  const opportunity = '00000000-0000-4000-8000-0000000000d1';
  const build = async () => {
    const quotes = fakeRecords<Quote>('quote');
    return { quotes, ...(await serviceWith(QuotesService, [{ provide: QuotesRepository, useValue: quotes }])) };
  };

  it('create: adding to an opportunity needs the right to write it; quote.created', async () => {
    const { service, emitted, access } = await build();
    const quote = await service.create({ title: 'Q1', total_price: '10.00', opportunity }, ctx);
    expect(access.assertWritableRef).toHaveBeenCalledWith(ctx.caller, 'opportunity', opportunity, 'add quotes to');
    expect(emitted.of('quote.created')[0].data).toMatchObject({ quote_id: quote.id, total_price: '10.00', opportunity_id: opportunity });
  });

  it('a quote without an opportunity checks nothing; update emits nothing, remove quote.deleted', async () => {
    const { service, emitted, access } = await build();
    const quote = await service.create({ title: 'Q2', total_price: '1.00' }, ctx);
    expect(access.assertWritableRef).not.toHaveBeenCalled();
    await service.update(quote.id, { title: 'Q2b' }, ctx);
    await service.remove(quote.id, ctx);
    expect(emitted.types()).toEqual(['quote.created', 'quote.deleted']);
  });
});
