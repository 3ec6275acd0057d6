import { buildEvent, EventDataMap } from './index';

/**
 * Compile-time tests of the typed publisher map (tsd style): `npm run typecheck` (run by
 * CI; tsconfig.json includes this file) fails if any line marked @ts-expect-error stops
 * being an error, i.e. if a payload that does not match its routing key would compile.
 * Never executed: the name ends in `-spec.ts`, which jest does not match and the apps'
 * builds exclude (`**\/*spec.ts`).
 */
const actor = { id: '0b8f3f4e-3f0c-4c56-9a55-2a3c7e1d0a01', name: 'Alice' };
const lead: EventDataMap['lead.created'] = { lead_id: actor.id, name: 'John', company: null, status: 'new', assigned_to: null, actor };

export function typedPublisherMap(): void {
  // Accepted: the payload of its routing key.
  buildEvent('lead.created', lead);
  // @ts-expect-error a lead.created payload is not an opportunity.created payload
  buildEvent('opportunity.created', lead);
  // @ts-expect-error status must be one of the lead statuses
  buildEvent('lead.created', { ...lead, status: 'won' });
  // @ts-expect-error amount is a decimal string, never a number
  buildEvent('quote.created', { quote_id: actor.id, title: 'Q', total_price: 12.5, opportunity_id: null, actor });
  // @ts-expect-error an unknown routing key
  buildEvent('lead.archived', lead);
}
