import { z } from 'zod';

export const Uuid = z.uuid();
export const NullableUuid = z.uuid().nullable();

/** Money travels as a decimal string with exactly two places: never a float. */
export const Money = z.string().regex(/^\d{1,13}\.\d{2}$/, 'a decimal string with two places, e.g. "50000.00"');

export const Timestamp = z.iso.datetime({ offset: true });

export const LEAD_STATUSES = ['new', 'contacted', 'qualified', 'converted', 'disqualified'] as const;
export const LeadStatus = z.enum(LEAD_STATUSES);
export type LeadStatus = z.infer<typeof LeadStatus>;

export const OPPORTUNITY_STAGES = ['qualification', 'proposal', 'negotiation', 'won', 'lost'] as const;
export const OpportunityStage = z.enum(OPPORTUNITY_STAGES);
export type OpportunityStage = z.infer<typeof OpportunityStage>;

export const TASK_TYPES = ['call', 'email', 'meeting', 'follow_up', 'other'] as const;
export const TaskType = z.enum(TASK_TYPES);
export type TaskType = z.infer<typeof TaskType>;

export const TASK_STATUSES = ['pending', 'completed', 'cancelled'] as const;
export const TaskStatus = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const LOG_TYPES = ['call', 'email', 'meeting', 'note'] as const;
export const LogType = z.enum(LOG_TYPES);
export type LogType = z.infer<typeof LogType>;

export const LOG_SOURCES = ['auto', 'manual'] as const;
export type LogSource = (typeof LOG_SOURCES)[number];

/** A user: id and name. */
const Person = z.object({ id: Uuid, name: z.string().min(1).max(255) });

export const ACTOR_KINDS = ['user', 'api_key'] as const;

/**
 * Who did it: the id the log is attributed to, a name for readers of the raw stream,
 * and whether a person (`user`) or an integration's API key (`api_key`, acting as its
 * service user) did it. `kind` was added to every released version as an optional field
 * (docs/decisions.md, "API keys"): absent means a person, and consumers that do not know
 * it ignore it.
 */
export const Actor = Person.extend({ kind: z.enum(ACTOR_KINDS).optional() });
export type Actor = z.infer<typeof Actor>;

/** A user a record is assigned to (id and name), or null for nobody. */
export const Assignee = Person.nullable();
export type Assignee = z.infer<typeof Assignee>;
