import type { EventType } from '@app/contracts';
import { ApiClient, create, createUser, expectStatus, uniq, update } from '../utils';

/**
 * crm-api's side of the pacts: each provider state a consumer names, made true through
 * the public API, and the event type the state's message has. The message itself is
 * then taken off the broker, so it is what crm-api's real publishing code produced.
 * A state a consumer names that is missing here fails the verification by its name.
 */
export interface ProviderState {
  type: EventType;
  run(admin: ApiClient): Promise<void>;
}

const rep = async (admin: ApiClient) => (await createUser(admin)).id;

/** A lead assigned to a rep, its contact, and their opportunity (with an amount) in negotiation. */
async function deal(admin: ApiClient) {
  const lead = await create(admin, 'leads', { name: uniq('Pact Lead'), company: 'Pact Co', assigned_to: await rep(admin) });
  const contact = await create(admin, 'contacts', { name: uniq('Pact Contact'), company: 'Pact Co', lead: lead.id });
  const opp = await create(admin, 'opportunities', { name: uniq('Pact Deal'), amount: 1500, stage: 'negotiation', contact: contact.id, lead: lead.id });
  return { lead, contact, opp };
}

async function taskOnDeal(admin: ApiClient, extra: Record<string, unknown> = {}) {
  const { lead, contact, opp } = await deal(admin);
  return create(admin, 'tasks', { action: 'Call', target: 'the buyer', type: 'call', lead: lead.id, contact: contact.id, opportunity: opp.id, ...extra });
}

async function quote(admin: ApiClient) {
  const { opp } = await deal(admin);
  return create(admin, 'quotes', { title: uniq('Pact Quote'), total_price: '99.90', opportunity: opp.id });
}

/** A call logged on a lead by the admin, once the activity-logger has written it (a change needs the log in the feed). */
async function writtenCall(admin: ApiClient): Promise<string> {
  const lead = await create(admin, 'leads', { name: uniq('Pact Lead') });
  return expectStatus(await admin.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'call', summary: 'Talked pricing' }, { prefer: 'wait=10' }), 201, 'log_interaction').id;
}

const del = async (admin: ApiClient, resource: string, id: string) => expectStatus(await admin.delete(`/api/${resource}/${id}/`), 204, `DELETE /api/${resource}/${id}/`);

export const PROVIDER_STATES: Record<string, ProviderState> = {
  'a lead with a company is created, assigned to a rep': {
    type: 'lead.created',
    run: async (admin) => void (await create(admin, 'leads', { name: uniq('Pact Lead'), company: 'Pact Co', assigned_to: await rep(admin) })),
  },
  'a new lead is qualified': {
    type: 'lead.status_changed',
    run: async (admin) => void (await update(admin, 'leads', (await create(admin, 'leads', { name: uniq('Pact Lead') })).id, { status: 'qualified' })),
  },
  'a lead is converted into a contact and an opportunity': {
    type: 'lead.converted',
    run: async (admin) => {
      const lead = await create(admin, 'leads', { name: uniq('Pact Lead'), company: 'Pact Co' });
      expectStatus(await admin.post(`/api/leads/${lead.id}/convert/`, { opportunity: { name: uniq('Pact Deal'), amount: 10 } }), 201, 'convert');
    },
  },
  'a contact with a company is created from a lead': {
    type: 'contact.created',
    run: async (admin) => void (await deal(admin)),
  },
  'an opportunity with an amount is created for a contact and a lead': {
    type: 'opportunity.created',
    run: async (admin) => void (await deal(admin)),
  },
  'an opportunity of a contact and a lead moves from negotiation to won': {
    type: 'opportunity.stage_changed',
    run: async (admin) => void (await update(admin, 'opportunities', (await deal(admin)).opp.id, { stage: 'won' })),
  },
  'a quote is added to an opportunity': {
    type: 'quote.created',
    run: async (admin) => void (await quote(admin)),
  },
  'a call task with notes, on a lead, a contact and an opportunity, is completed': {
    type: 'task.completed',
    run: async (admin) => {
      const task = await taskOnDeal(admin, { notes: 'Wants the pro plan' });
      expectStatus(await admin.post(`/api/tasks/${task.id}/mark_completed/`, {}), 200, 'mark_completed');
    },
  },
  'a call is logged on a lead': {
    type: 'interaction.logged',
    run: async (admin) => {
      const lead = await create(admin, 'leads', { name: uniq('Pact Lead') });
      expectStatus(await admin.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'call', summary: 'Talked pricing' }), 202, 'log_interaction');
    },
  },
  'a call logged on a lead is corrected into a meeting by its author': {
    type: 'interaction.edited',
    run: async (admin) => {
      const id = await writtenCall(admin);
      expectStatus(await admin.patch(`/api/interaction-logs/${id}/`, { type: 'meeting', summary: 'Met to talk pricing' }), 202, 'edit the log');
    },
  },
  'a call logged on a lead is deleted by its author': {
    type: 'interaction.deleted',
    run: async (admin) => void expectStatus(await admin.delete(`/api/interaction-logs/${await writtenCall(admin)}/`), 202, 'delete the log'),
  },
  'a lead is handed from one rep to another': {
    type: 'lead.reassigned',
    run: async (admin) => {
      const lead = await create(admin, 'leads', { name: uniq('Pact Lead'), assigned_to: await rep(admin) });
      await update(admin, 'leads', lead.id, { assigned_to: await rep(admin) });
    },
  },
  'an opportunity of a contact and a lead is handed from one rep to another': {
    type: 'opportunity.reassigned',
    run: async (admin) => {
      const { opp } = await deal(admin);
      await update(admin, 'opportunities', opp.id, { owner: await rep(admin) }); // from the admin who created it
    },
  },
  'an unassigned task on a lead, a contact and an opportunity is assigned to a rep': {
    type: 'task.reassigned',
    run: async (admin) => void (await update(admin, 'tasks', (await taskOnDeal(admin)).id, { assigned_to: await rep(admin) })),
  },
  'a lead is deleted': {
    type: 'lead.deleted',
    run: async (admin) => del(admin, 'leads', (await create(admin, 'leads', { name: uniq('Pact Lead') })).id),
  },
  'a contact from a lead is deleted': {
    type: 'contact.deleted',
    run: async (admin) => {
      const lead = await create(admin, 'leads', { name: uniq('Pact Lead') });
      await del(admin, 'contacts', (await create(admin, 'contacts', { name: uniq('Pact Contact'), lead: lead.id })).id);
    },
  },
  'an opportunity of a contact and a lead is deleted': {
    type: 'opportunity.deleted',
    run: async (admin) => del(admin, 'opportunities', (await deal(admin)).opp.id),
  },
  'a quote is deleted': {
    type: 'quote.deleted',
    run: async (admin) => del(admin, 'quotes', (await quote(admin)).id),
  },
  'a task on a lead, a contact and an opportunity is deleted': {
    type: 'task.deleted',
    run: async (admin) => del(admin, 'tasks', (await taskOnDeal(admin)).id),
  },
};
