import type { EventType } from './registry';

/**
 * The feed's two lanes. `interaction`: what people did with a customer (calls, emails,
 * meetings and notes they logged, tasks they completed). `change`: what happened to the
 * records (created, status and stage changes, reassignments, conversions, deletions,
 * quotes). Derived from the event type alone, here only: the view's `kind` and the
 * feed's `kind=` filter (crm-api feed.repository.ts) both read this list.
 */
export const LOG_KINDS = ['interaction', 'change'] as const;
export type LogKind = (typeof LOG_KINDS)[number];

export const INTERACTION_EVENT_TYPES: readonly EventType[] = ['interaction.logged', 'task.completed'];

export const logKind = (eventType: string): LogKind => ((INTERACTION_EVENT_TYPES as readonly string[]).includes(eventType) ? 'interaction' : 'change');
