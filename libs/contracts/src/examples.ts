import { CrmEvent } from './envelope';
import { EVENT_SCHEMAS, EventData, EventType } from './registry';

/**
 * One canonical message per event type and version: documentation, the AsyncAPI
 * examples, and the consumer's contract tests (each must render to a known log).
 */
/** The people and records the examples name: tests that check what an example becomes use these. */
export const EXAMPLE_IDS = {
  ALICE: { id: '0b8f3f4e-3f0c-4c56-9a55-2a3c7e1d0a01', name: 'Alice Admin' },
  BOB: '6c1d1c3a-9e2b-4f7e-8d2a-5b9e0f1a2b02',
  LEAD: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c01',
  CONTACT: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c02',
  OPP: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c03',
  QUOTE: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c04',
  TASK: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c05',
} as const;
const { ALICE, BOB, LEAD, CONTACT, OPP, QUOTE, TASK } = EXAMPLE_IDS;
const CORRELATION = '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b01';
const BOB_REP = { id: BOB, name: 'Bob Rep' };
const CAROL_REP = { id: '6c1d1c3a-9e2b-4f7e-8d2a-5b9e0f1a2b03', name: 'Carol Rep' };

type Versions<K extends EventType> = keyof (typeof EVENT_SCHEMAS)[K] & number;

/** A message of one version of one type: an old version's example keeps its own payload type. */
export type VersionedEvent<K extends EventType, V extends Versions<K>> = Omit<CrmEvent<K>, 'data'> & { data: EventData<K, V> };

let n = 0;
function envelope<K extends EventType, V extends Versions<K>>(type: K, version: V, data: EventData<K, V>, subject: string): VersionedEvent<K, V> {
  n += 1;
  return {
    specversion: '1.0',
    id: `e0000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    source: '/crm-api',
    type,
    time: `2026-11-27T12:00:${String(n).padStart(2, '0')}.000Z`,
    datacontenttype: 'application/json',
    subject,
    dataversion: version,
    correlationid: CORRELATION,
    data,
  };
}

/** The log the interaction.logged v1 example becomes (the 9th envelope below: ids and times follow the order). */
const MANUAL_LOG = { id: 'e0000000-0000-4000-8000-000000000009', time: '2026-11-27T12:00:09.000Z' };

export const EXAMPLES: { [K in EventType]: { [V in Versions<K>]: VersionedEvent<K, V> } } = {
  'lead.created': {
    1: envelope('lead.created', 1, { lead_id: LEAD, name: 'John Doe', company: 'ACME Corp', status: 'new', assigned_to: BOB, actor: ALICE }, LEAD),
  },
  'lead.status_changed': {
    1: envelope('lead.status_changed', 1, { lead_id: LEAD, name: 'John Doe', field: 'status', old_value: 'new', new_value: 'qualified', actor: ALICE }, LEAD),
  },
  'lead.converted': {
    1: envelope('lead.converted', 1, { lead_id: LEAD, name: 'John Doe', contact_id: CONTACT, opportunity_id: OPP, opportunity_name: 'ACME Expansion', actor: ALICE }, LEAD),
  },
  'contact.created': {
    1: envelope('contact.created', 1, { contact_id: CONTACT, name: 'John Doe', company: 'ACME Corp', lead_id: LEAD, actor: ALICE }, CONTACT),
  },
  'opportunity.created': {
    1: envelope(
      'opportunity.created',
      1,
      { opportunity_id: OPP, name: 'ACME Expansion', amount: '50000.00', stage: 'qualification', owner_id: BOB, contact_id: CONTACT, lead_id: LEAD, actor: ALICE },
      OPP,
    ),
  },
  'opportunity.stage_changed': {
    1: envelope(
      'opportunity.stage_changed',
      1,
      { opportunity_id: OPP, name: 'ACME Expansion', field: 'stage', old_value: 'negotiation', new_value: 'won', contact_id: CONTACT, lead_id: LEAD, actor: ALICE },
      OPP,
    ),
  },
  'quote.created': {
    1: envelope('quote.created', 1, { quote_id: QUOTE, title: 'ACME Q-1', total_price: '1234.50', opportunity_id: OPP, actor: ALICE }, QUOTE),
  },
  'task.completed': {
    1: envelope(
      'task.completed',
      1,
      {
        task_id: TASK,
        action: 'Call',
        target: 'John Doe at ACME Corp',
        notes: 'Interested in the pro plan',
        task_type: 'call',
        lead_id: LEAD,
        contact_id: CONTACT,
        opportunity_id: OPP,
        actor: ALICE,
      },
      TASK,
    ),
  },
  'interaction.logged': {
    1: envelope(
      'interaction.logged',
      1,
      { type: 'call', summary: 'Had a great conversation about their requirements', lead_id: LEAD, contact_id: null, opportunity_id: null, actor: ALICE },
      LEAD,
    ),
    2: envelope(
      'interaction.logged',
      2,
      {
        type: 'call',
        summary: 'Had a great conversation about their requirements',
        lead_id: LEAD,
        contact_id: null,
        opportunity_id: null,
        actor: ALICE,
        recorded_at: '2026-11-27T12:30:00.000Z',
      },
      LEAD,
    ),
  },
  'lead.reassigned': {
    1: envelope('lead.reassigned', 1, { lead_id: LEAD, name: 'John Doe', field: 'assigned_to', old_value: BOB_REP, new_value: CAROL_REP, actor: ALICE }, LEAD),
  },
  'opportunity.reassigned': {
    1: envelope(
      'opportunity.reassigned',
      1,
      { opportunity_id: OPP, name: 'ACME Expansion', field: 'owner', old_value: BOB_REP, new_value: CAROL_REP, contact_id: CONTACT, lead_id: LEAD, actor: ALICE },
      OPP,
    ),
  },
  'task.reassigned': {
    1: envelope(
      'task.reassigned',
      1,
      {
        task_id: TASK,
        action: 'Call',
        target: 'John Doe at ACME Corp',
        field: 'assigned_to',
        old_value: null,
        new_value: BOB_REP,
        lead_id: LEAD,
        contact_id: CONTACT,
        opportunity_id: OPP,
        actor: ALICE,
      },
      TASK,
    ),
  },
  'lead.deleted': {
    1: envelope('lead.deleted', 1, { lead_id: LEAD, name: 'John Doe', actor: ALICE }, LEAD),
  },
  'contact.deleted': {
    1: envelope('contact.deleted', 1, { contact_id: CONTACT, name: 'John Doe', lead_id: LEAD, actor: ALICE }, CONTACT),
  },
  'opportunity.deleted': {
    1: envelope('opportunity.deleted', 1, { opportunity_id: OPP, name: 'ACME Expansion', contact_id: CONTACT, lead_id: LEAD, actor: ALICE }, OPP),
  },
  'quote.deleted': {
    1: envelope('quote.deleted', 1, { quote_id: QUOTE, title: 'ACME Q-1', opportunity_id: OPP, actor: ALICE }, QUOTE),
  },
  'task.deleted': {
    1: envelope('task.deleted', 1, { task_id: TASK, action: 'Call', target: 'John Doe at ACME Corp', lead_id: LEAD, contact_id: CONTACT, opportunity_id: OPP, actor: ALICE }, TASK),
  },
  // Both change the manual log of the interaction.logged v1 example (its id and time).
  'interaction.edited': {
    1: envelope(
      'interaction.edited',
      1,
      { log_id: MANUAL_LOG.id, log_timestamp: MANUAL_LOG.time, type: 'meeting', summary: 'Met in person to go through their requirements', actor: ALICE },
      MANUAL_LOG.id,
    ),
  },
  'interaction.deleted': {
    1: envelope('interaction.deleted', 1, { log_id: MANUAL_LOG.id, log_timestamp: MANUAL_LOG.time, actor: ALICE }, MANUAL_LOG.id),
  },
};

/** The canonical example of any type and version, for code that walks them all. */
export function exampleOf(type: EventType, version: number): CrmEvent | undefined {
  return (EXAMPLES[type] as Record<number, CrmEvent | undefined>)[version];
}
