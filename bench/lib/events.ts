import { randomUUID } from 'node:crypto';
import { buildEvent, CrmEvent, EventType, messageProperties } from '@app/contracts';

/**
 * A realistic mix of the events crm-api publishes, valid against the contracts (each one
 * renders to exactly one log), spread over a pool of leads, contacts, opportunities and
 * users so the inserts touch many index pages, as production traffic would.
 */
export class EventMix {
  readonly users = Array.from({ length: 50 }, (_, i) => ({ id: randomUUID(), name: `Rep ${i + 1}` }));
  readonly leads = Array.from({ length: 2_000 }, () => randomUUID());
  readonly contacts = Array.from({ length: 1_000 }, () => randomUUID());
  readonly opportunities = Array.from({ length: 1_000 }, () => randomUUID());
  private n = 0;

  private pick<T>(a: readonly T[]): T {
    return a[Math.floor(Math.random() * a.length)];
  }

  /** Weighted like a sales team's day: mostly manual logs and status moves. */
  next(): CrmEvent {
    this.n += 1;
    const actor = this.pick(this.users);
    const lead = this.pick(this.leads);
    const contact = this.pick(this.contacts);
    const opp = this.pick(this.opportunities);
    const r = Math.random();
    const name = `Lead ${this.n}`;
    const build = <K extends EventType>(type: K, data: Parameters<typeof buildEvent<K>>[1]) => buildEvent(type, data, { subject: lead });
    if (r < 0.35)
      return build('interaction.logged', {
        type: this.pick(['call', 'email', 'meeting', 'note'] as const),
        summary: `Talked about the renewal and next steps (#${this.n}); they want a proposal by Friday.`,
        lead_id: lead,
        contact_id: Math.random() < 0.3 ? contact : null,
        opportunity_id: null,
        actor,
      });
    if (r < 0.5) return build('lead.created', { lead_id: lead, name, company: 'ACME Corp', status: 'new', assigned_to: actor.id, actor });
    if (r < 0.65) return build('lead.status_changed', { lead_id: lead, name, field: 'status', old_value: 'new', new_value: 'contacted', actor });
    if (r < 0.75)
      return build('opportunity.stage_changed', {
        opportunity_id: opp,
        name: `Deal ${this.n}`,
        field: 'stage',
        old_value: 'proposal',
        new_value: 'negotiation',
        contact_id: contact,
        lead_id: lead,
        actor,
      });
    if (r < 0.85)
      return build('task.completed', {
        task_id: randomUUID(),
        action: 'Call',
        target: 'John Doe at ACME Corp',
        notes: 'Interested in the pro plan',
        task_type: 'call',
        lead_id: lead,
        contact_id: contact,
        opportunity_id: opp,
        actor,
      });
    if (r < 0.92)
      return build('opportunity.created', {
        opportunity_id: opp,
        name: `Deal ${this.n}`,
        amount: '50000.00',
        stage: 'qualification',
        owner_id: actor.id,
        contact_id: contact,
        lead_id: lead,
        actor,
      });
    if (r < 0.97) return build('quote.created', { quote_id: randomUUID(), title: `Q-${this.n}`, total_price: '1234.50', opportunity_id: opp, actor });
    return build('contact.created', { contact_id: contact, name: 'John Doe', company: 'ACME Corp', lead_id: lead, actor });
  }

  /** The event as the outbox relay publishes it: body and AMQP properties. */
  static message(event: CrmEvent) {
    return { body: Buffer.from(JSON.stringify(event)), properties: { ...messageProperties(event), mandatory: true } };
  }
}
