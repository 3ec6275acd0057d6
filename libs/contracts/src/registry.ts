import { z } from 'zod';
import { ContactCreatedV1, ContactDeletedV1 } from './events/contact.events';
import { InteractionDeletedV1, InteractionEditedV1, InteractionLoggedV1, InteractionLoggedV2 } from './events/interaction.events';
import { LeadConvertedV1, LeadCreatedV1, LeadDeletedV1, LeadReassignedV1, LeadStatusChangedV1 } from './events/lead.events';
import { OpportunityCreatedV1, OpportunityDeletedV1, OpportunityReassignedV1, OpportunityStageChangedV1 } from './events/opportunity.events';
import { QuoteCreatedV1, QuoteDeletedV1 } from './events/quote.events';
import { TaskCompletedV1, TaskDeletedV1, TaskReassignedV1 } from './events/task.events';

/**
 * Every event type, each with every version it was ever published in. A version is
 * never edited once released: a breaking change adds the next version beside it, and
 * consumers keep accepting the old ones (test/contracts checks both).
 * The event type is also the routing key on `crm.events`.
 */
export const EVENT_SCHEMAS = {
  'lead.created': { 1: LeadCreatedV1 },
  'lead.status_changed': { 1: LeadStatusChangedV1 },
  'lead.converted': { 1: LeadConvertedV1 },
  'contact.created': { 1: ContactCreatedV1 },
  'opportunity.created': { 1: OpportunityCreatedV1 },
  'opportunity.stage_changed': { 1: OpportunityStageChangedV1 },
  'quote.created': { 1: QuoteCreatedV1 },
  'task.completed': { 1: TaskCompletedV1 },
  'interaction.logged': { 1: InteractionLoggedV1, 2: InteractionLoggedV2 },
  // Beyond the original signals: what else a CRM user expects in the feed.
  'lead.reassigned': { 1: LeadReassignedV1 },
  'opportunity.reassigned': { 1: OpportunityReassignedV1 },
  'task.reassigned': { 1: TaskReassignedV1 },
  'lead.deleted': { 1: LeadDeletedV1 },
  'contact.deleted': { 1: ContactDeletedV1 },
  'opportunity.deleted': { 1: OpportunityDeletedV1 },
  'quote.deleted': { 1: QuoteDeletedV1 },
  'task.deleted': { 1: TaskDeletedV1 },
  // Changes of an existing manual log, not logs of their own (LOG_CHANGE_TYPES).
  'interaction.edited': { 1: InteractionEditedV1 },
  'interaction.deleted': { 1: InteractionDeletedV1 },
} as const;

export type EventType = keyof typeof EVENT_SCHEMAS;
export const EVENT_TYPES = Object.keys(EVENT_SCHEMAS) as EventType[];

/**
 * The events that change a log already in the feed instead of adding one: the logger
 * applies them to the row they name and renders nothing. Every other type becomes a log.
 */
export const LOG_CHANGE_TYPES = ['interaction.edited', 'interaction.deleted'] as const satisfies readonly EventType[];
export type LogChangeType = (typeof LOG_CHANGE_TYPES)[number];
/** The event types that each become one log. */
export type LogEventType = Exclude<EventType, LogChangeType>;
export const LOG_EVENT_TYPES = EVENT_TYPES.filter((t): t is LogEventType => !isLogChange(t));

export function isLogChange(type: string): type is LogChangeType {
  return (LOG_CHANGE_TYPES as readonly string[]).includes(type);
}

/** The version a producer publishes today: the highest registered. */
export const CURRENT_VERSION: { [K in EventType]: number } = Object.fromEntries(EVENT_TYPES.map((t) => [t, Math.max(...Object.keys(EVENT_SCHEMAS[t]).map(Number))])) as {
  [K in EventType]: number;
};

type Versions<K extends EventType> = (typeof EVENT_SCHEMAS)[K];
type Latest<K extends EventType> = Versions<K>[keyof Versions<K> & number];

/** The payload of one version of one event type. */
export type EventData<K extends EventType, V extends keyof Versions<K>> = z.infer<Versions<K>[V] & z.ZodType>;

/**
 * The typed publisher map: the payload a producer must give for each routing key.
 * A payload that does not match its routing key fails to compile.
 */
export type EventDataMap = { [K in EventType]: z.infer<Latest<K>> };

/** Routing keys as constants, for bindings and `publish` calls. */
export const ROUTING_KEYS = Object.fromEntries(EVENT_TYPES.map((t) => [t, t])) as { [K in EventType]: K };

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(EVENT_SCHEMAS, value);
}

export function schemaFor(type: EventType, version: number): z.ZodType | undefined {
  return (EVENT_SCHEMAS[type] as Record<number, z.ZodType>)[version];
}
