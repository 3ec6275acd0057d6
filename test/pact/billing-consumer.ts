/**
 * A consumer from another team, as it would be written there: it bills won deals. It
 * knows nothing of this code base (no @app/contracts), only the JSON it reads from its
 * own queue bound to `crm.events`. Its pact (pacts/billing-crm-api.json) states the few
 * fields it relies on; crm-api's publishing is verified against it on every run.
 */
export interface PricedDeal {
  opportunityId: string;
  /** Decimal string with two places, as published: billing never rounds through a float. */
  amount: string;
}

export interface WonDeal {
  opportunityId: string;
  name: string;
  wonAt: string;
}

type Message = { type?: unknown; dataversion?: unknown; time?: unknown; data?: Record<string, unknown> };

function dataOf(message: Message, type: string): Record<string, unknown> | null {
  if (message.type !== type || message.dataversion !== 1 || !message.data) return null;
  return message.data;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`billing: ${what} is missing`);
  return value;
}

/** The price billing will invoice when the deal is won; null for a deal without an amount. */
export function pricedDealOf(message: Message): PricedDeal | null {
  const data = dataOf(message, 'opportunity.created');
  if (!data || data.amount === null) return null;
  const amount = text(data.amount, 'amount');
  if (!/^\d+\.\d{2}$/.test(amount)) throw new Error(`billing: amount ${amount} is not a two-place decimal`);
  return { opportunityId: text(data.opportunity_id, 'opportunity_id'), amount };
}

/** A deal that just became billable; null for every other stage change. */
export function wonDealOf(message: Message): WonDeal | null {
  const data = dataOf(message, 'opportunity.stage_changed');
  if (!data || data.new_value !== 'won') return null;
  return { opportunityId: text(data.opportunity_id, 'opportunity_id'), name: text(data.name, 'name'), wonAt: text(message.time, 'time') };
}
