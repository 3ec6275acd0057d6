import { Matchers } from '@pact-foundation/pact';
import { pricedDealOf, wonDealOf } from '../../pact/billing-consumer';
import { committedMatches, consumerPact } from '../../pact/pact-files';

/**
 * The pact of an outside consumer (billing, test/pact/billing-consumer.ts): only the
 * fields it reads, so crm-api stays free to change everything else.
 */
const CONSUMER = 'billing';
const { pact, written } = consumerPact(CONSUMER);
const OPP = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c03';

describe("billing's pact with crm-api", () => {
  it('prices a deal from the opportunity created with an amount', async () => {
    await pact()
      .given('an opportunity with an amount is created for a contact and a lead')
      .expectsToReceive('opportunity.created v1')
      .withContent({
        type: 'opportunity.created',
        dataversion: 1,
        data: { opportunity_id: Matchers.uuid(OPP), amount: Matchers.regex('^\\d+\\.\\d{2}$', '50000.00') },
      })
      .verify(async (message) => {
        expect(pricedDealOf(message.contents as never)).toEqual({ opportunityId: OPP, amount: '50000.00' });
      });
  });

  it('bills the deal when its opportunity is won', async () => {
    await pact()
      .given('an opportunity of a contact and a lead moves from negotiation to won')
      .expectsToReceive('opportunity.stage_changed v1')
      .withContent({
        type: 'opportunity.stage_changed',
        dataversion: 1,
        time: Matchers.regex('^\\d{4}-\\d{2}-\\d{2}T[\\d:.]+(Z|[+-]\\d{2}:\\d{2})$', '2026-11-27T12:00:06.000Z'),
        data: { opportunity_id: Matchers.uuid(OPP), name: Matchers.like('ACME Expansion'), new_value: 'won' },
      })
      .verify(async (message) => {
        expect(wonDealOf(message.contents as never)).toEqual({ opportunityId: OPP, name: 'ACME Expansion', wonAt: '2026-11-27T12:00:06.000Z' });
      });
  });

  it('is the pact committed in pacts/, which crm-api is verified against', () => {
    const { ok, committed } = committedMatches(CONSUMER, written());
    if (!ok) throw new Error(`${committed} differs from what this spec states: commit it with PACT_UPDATE=1 npm test -- test/unit/pact`);
  });
});
