import { buildEvent, EventDataMap } from './index';

/**
 * The typed publisher map, checked by the compiler: `npm run typecheck` (run by CI)
 * fails if any line marked @ts-expect-error stops being an error, i.e. if a payload
 * that does not match its routing key would compile.
 */
const actor = { id: '0b8f3f4e-3f0c-4c56-9a55-2a3c7e1d0a01', name: 'Alice' };
const lead: EventDataMap['lead.created'] = { lead_id: actor.id, name: 'John', company: null, status: 'new', assigned_to: null, actor };

describe('typed publisher map', () => {
  it('accepts the payload of its routing key', () => {
    expect(buildEvent('lead.created', lead).type).toBe('lead.created');
  });

  it('refuses, at compile time, a payload of another routing key or a wrong field', () => {
    // @ts-expect-error a lead.created payload is not an opportunity.created payload
    buildEvent('opportunity.created', lead);
    // @ts-expect-error status must be one of the lead statuses
    buildEvent('lead.created', { ...lead, status: 'won' });
    // @ts-expect-error amount is a decimal string, never a number
    buildEvent('quote.created', { quote_id: actor.id, title: 'Q', total_price: 12.5, opportunity_id: null, actor });
    // @ts-expect-error an unknown routing key
    buildEvent('lead.archived', lead);
    expect(true).toBe(true); // the assertions are the compiler's
  });
});
