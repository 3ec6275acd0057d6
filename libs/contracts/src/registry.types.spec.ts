import { buildEvent, EventDataMap, parseEvent } from './index';

/**
 * The typed publisher map refuses wrong payloads at compile time (registry.compile-spec.ts,
 * checked by `npm run typecheck`); here, what a payload that got past the compiler (an
 * `as any`, plain JavaScript) meets at run time: the consumer's parser refuses it.
 */
const actor = { id: '0b8f3f4e-3f0c-4c56-9a55-2a3c7e1d0a01', name: 'Alice' };
const lead: EventDataMap['lead.created'] = { lead_id: actor.id, name: 'John', company: null, status: 'new', assigned_to: null, actor };

describe('typed publisher map', () => {
  it('accepts the payload of its routing key, and the event parses', () => {
    const event = buildEvent('lead.created', lead);
    expect(event.type).toBe('lead.created');
    expect(parseEvent(JSON.stringify(event))).toMatchObject({ ok: true });
  });

  it('a payload of another routing key or a wrong field, forced past the compiler, is refused by parseEvent', () => {
    const wrong = [
      buildEvent('opportunity.created', lead as any),
      buildEvent('lead.created', { ...lead, status: 'won' } as any),
      buildEvent('quote.created', { quote_id: actor.id, title: 'Q', total_price: 12.5, opportunity_id: null, actor } as any),
    ];
    for (const event of wrong) expect(parseEvent(JSON.stringify(event))).toMatchObject({ ok: false, reason: expect.any(String) });
  });
});
