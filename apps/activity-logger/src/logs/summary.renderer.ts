import type { z } from 'zod';
import { Assignee, CrmEvent, EVENT_SCHEMAS, EventType, formatMoney, LogEventType, LeadStatus, LogSource, LogType, OpportunityStage, TaskType } from '@app/contracts';

/** What an event becomes in the feed, before the envelope's facts (id, time, ...) are added. */
export interface RenderedLog {
  userId: string;
  type: LogType;
  summary: string;
  leadId: string | null;
  contactId: string | null;
  opportunityId: string | null;
  source: LogSource;
}

type Schemas = typeof EVENT_SCHEMAS;
type DataOf<S> = S extends z.ZodType ? z.infer<S> : never;

/**
 * One renderer per event type that becomes a log (not the changes of a log:
 * LOG_CHANGE_TYPES, applied by log-changes.ts) and per version of its payload. The mapped type makes the
 * table exhaustive: a type or version added to the contracts' registry fails to compile
 * here until it has a renderer. Renderers are pure functions of the event's `data`, so a
 * summary can be re-rendered later from the stored `data` column.
 */
export type RendererTable = {
  [K in LogEventType]: { [V in keyof Schemas[K]]: (data: DataOf<Schemas[K][V]>) => RenderedLog };
};

export const LEAD_STATUS_MESSAGES: Record<LeadStatus, string> = {
  new: 'marked as new',
  contacted: 'contacted for the first time',
  qualified: 'qualified as a potential customer',
  converted: 'successfully converted to opportunity',
  disqualified: 'disqualified from sales process',
};

export const OPPORTUNITY_STAGE_MESSAGES: Record<OpportunityStage, string> = {
  qualification: 'moved to qualification stage',
  proposal: 'moved to proposal stage - preparing quote',
  negotiation: 'entered negotiation phase',
  won: 'WON! \u{1F389} Deal closed successfully',
  lost: 'marked as lost - opportunity closed',
};

/** Task types that are also log types keep theirs; the others (follow_up, other) log as a note. */
const TASK_LOG_TYPES: Record<TaskType, LogType> = {
  call: 'call',
  email: 'email',
  meeting: 'meeting',
  follow_up: 'note',
  other: 'note',
};

/** Null, empty or blank text counts as absent ("from {company}", "- Notes: {notes}"). */
const present = (text: string | null | undefined): text is string => !!text && text.trim() !== '';
const fromCompany = (company: string | null) => (present(company) ? ` from ${company}` : '');

/**
 * "… assigned to Carol", "… reassigned from Bob to Carol", "… unassigned from Bob" (not
 * in the original signals; the same words for every record that has an assignee).
 */
const reassignment = (what: string, from: Assignee, to: Assignee): string => {
  if (from && to) return `${what} reassigned from ${from.name} to ${to.name}`;
  if (to) return `${what} assigned to ${to.name}`;
  return from ? `${what} unassigned from ${from.name}` : `${what} left unassigned`;
};

const auto = (log: Omit<RenderedLog, 'source' | 'type'> & { type?: LogType }): RenderedLog => ({
  type: 'note',
  ...log,
  source: 'auto',
});

/** A rep's manual log, as written (every version of interaction.logged). */
const manual = (d: { actor: { id: string }; type: LogType; summary: string; lead_id: string | null; contact_id: string | null; opportunity_id: string | null }): RenderedLog => ({
  userId: d.actor.id,
  type: d.type,
  summary: d.summary,
  leadId: d.lead_id,
  contactId: d.contact_id,
  opportunityId: d.opportunity_id,
  source: 'manual',
});

export const RENDERERS: RendererTable = {
  'lead.created': {
    1: (d) =>
      auto({
        userId: d.assigned_to ?? d.actor.id,
        summary: `New lead created: ${d.name}${fromCompany(d.company)}`,
        leadId: d.lead_id,
        contactId: null,
        opportunityId: null,
      }),
  },
  'lead.status_changed': {
    1: (d) =>
      auto({
        userId: d.actor.id,
        summary: `Lead ${d.name} ${LEAD_STATUS_MESSAGES[d.new_value]}`,
        leadId: d.lead_id,
        contactId: null,
        opportunityId: null,
      }),
  },
  'lead.converted': {
    1: (d) =>
      auto({
        userId: d.actor.id,
        summary: `Lead ${d.name} converted to opportunity ${d.opportunity_name}`,
        leadId: d.lead_id,
        contactId: d.contact_id,
        opportunityId: d.opportunity_id,
      }),
  },
  'contact.created': {
    1: (d) =>
      auto({
        userId: d.actor.id,
        summary: `New contact created: ${d.name}${fromCompany(d.company)}`,
        leadId: d.lead_id,
        contactId: d.contact_id,
        opportunityId: null,
      }),
  },
  'opportunity.created': {
    1: (d) =>
      auto({
        userId: d.owner_id,
        summary: `New opportunity created: ${d.name} worth ${formatMoney(d.amount)}`,
        leadId: d.lead_id,
        contactId: d.contact_id,
        opportunityId: d.opportunity_id,
      }),
  },
  'opportunity.stage_changed': {
    1: (d) =>
      auto({
        userId: d.actor.id,
        summary: `Opportunity ${d.name} ${OPPORTUNITY_STAGE_MESSAGES[d.new_value]}`,
        leadId: d.lead_id,
        contactId: d.contact_id,
        opportunityId: d.opportunity_id,
      }),
  },
  'quote.created': {
    1: (d) =>
      auto({
        userId: d.actor.id,
        summary: `Quote created: ${d.title} for ${formatMoney(d.total_price)}`,
        leadId: null,
        contactId: null,
        opportunityId: d.opportunity_id,
      }),
  },
  'task.completed': {
    1: (d) =>
      auto({
        userId: d.actor.id,
        type: TASK_LOG_TYPES[d.task_type],
        summary: `Task completed: ${d.action} ${d.target}${present(d.notes) ? ` - Notes: ${d.notes}` : ''}`,
        leadId: d.lead_id,
        contactId: d.contact_id,
        opportunityId: d.opportunity_id,
      }),
  },
  'lead.reassigned': {
    1: (d) =>
      auto({
        userId: d.actor.id,
        summary: reassignment(`Lead ${d.name}`, d.old_value, d.new_value),
        leadId: d.lead_id,
        contactId: null,
        opportunityId: null,
      }),
  },
  'opportunity.reassigned': {
    1: (d) =>
      auto({
        userId: d.actor.id,
        summary: reassignment(`Opportunity ${d.name}`, d.old_value, d.new_value),
        leadId: d.lead_id,
        contactId: d.contact_id,
        opportunityId: d.opportunity_id,
      }),
  },
  'task.reassigned': {
    1: (d) =>
      auto({
        userId: d.actor.id,
        summary: reassignment(`Task ${d.action} ${d.target}`, d.old_value, d.new_value),
        leadId: d.lead_id,
        contactId: d.contact_id,
        opportunityId: d.opportunity_id,
      }),
  },
  // A deleted record keeps its logs: the ids stay, so its feed still answers.
  'lead.deleted': {
    1: (d) => auto({ userId: d.actor.id, summary: `Lead deleted: ${d.name}`, leadId: d.lead_id, contactId: null, opportunityId: null }),
  },
  'contact.deleted': {
    1: (d) => auto({ userId: d.actor.id, summary: `Contact deleted: ${d.name}`, leadId: d.lead_id, contactId: d.contact_id, opportunityId: null }),
  },
  'opportunity.deleted': {
    1: (d) => auto({ userId: d.actor.id, summary: `Opportunity deleted: ${d.name}`, leadId: d.lead_id, contactId: d.contact_id, opportunityId: d.opportunity_id }),
  },
  'quote.deleted': {
    1: (d) => auto({ userId: d.actor.id, summary: `Quote deleted: ${d.title}`, leadId: null, contactId: null, opportunityId: d.opportunity_id }),
  },
  'task.deleted': {
    1: (d) =>
      auto({
        userId: d.actor.id,
        summary: `Task deleted: ${d.action} ${d.target}`,
        leadId: d.lead_id,
        contactId: d.contact_id,
        opportunityId: d.opportunity_id,
      }),
  },
  'interaction.logged': {
    1: (d) => manual(d),
    // v2 adds recorded_at, which is not rendered: toRecord keeps it beside the timestamp.
    2: (d) => manual(d),
  },
};

export class NoRendererError extends Error {
  constructor(type: string, version: number) {
    super(`no renderer for ${type} v${version}`);
  }
}

/** Renders validated `data` of an event type and version (also usable over stored rows). */
export function renderLog(type: EventType, version: number, data: unknown): RenderedLog {
  const render = (RENDERERS as Partial<Record<string, Record<number, ((data: unknown) => RenderedLog) | undefined>>>)[type]?.[version];
  if (!render) throw new NoRendererError(type, version);
  return render(data);
}

export const renderEvent = (event: CrmEvent): RenderedLog => renderLog(event.type, event.dataversion, event.data);
