import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import type { Caller } from '../common/request-context';
import { ApiConfig } from '../config/api.config';

/**
 * Who may do what: the one place the answer is written. Controllers and services ask
 * it; none decides by itself.
 *
 * - `admin` and `manager` read, change, reassign, convert, complete, log on and delete
 *   every record; only an `admin` manages users (see @AdminOnly).
 * - A `sales_rep` writes (changes, reassigns, converts, completes, logs on, deletes) only
 *   the records they own: a record's owners are its assignee/owner and its creator.
 * - What a rep reads is RECORD_VISIBILITY: `team` (every record) or `own` (the records
 *   they own, and the records linked to those: a converted lead's contact and
 *   opportunity, an opportunity's quotes, the tasks on them). In `own` mode a record a
 *   rep may not read answers 404, as if it did not exist; one they read but do not own
 *   answers 403 to a write.
 */
export type RecordKind = 'lead' | 'contact' | 'opportunity' | 'quote' | 'task';

/** The columns of the fields that make a record someone's, per kind (creator included). */
const OWNER_FIELDS: Record<RecordKind, string[]> = {
  lead: ['assignedToId', 'createdById'],
  contact: ['createdById'],
  opportunity: ['ownerId', 'createdById'],
  quote: ['createdById'],
  task: ['assignedToId', 'createdById'],
};

export const TABLES: Record<RecordKind, string> = {
  lead: 'crm.leads',
  contact: 'crm.contacts',
  opportunity: 'crm.opportunities',
  quote: 'crm.quotes',
  task: 'crm.tasks',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * SQL: the ids of the records of `kind` a rep reads in `own` mode. The user id is
 * inlined (checked to be a UUID first: it comes from our own users table), so the same
 * text serves the ORM's lists and the feed's pg queries without renumbering parameters.
 */
export function visibleIdsSql(kind: RecordKind, userId: string): string {
  if (!UUID.test(userId)) throw new Error('a caller id must be a UUID');
  const me = `'${userId.toLowerCase()}'::uuid`;
  const leads = `select id from crm.leads where assigned_to_id = ${me} or created_by_id = ${me}`;
  const contacts = `select id from crm.contacts where created_by_id = ${me} or lead_id in (${leads})`;
  const opportunities = `select id from crm.opportunities where owner_id = ${me} or created_by_id = ${me}
    or lead_id in (${leads}) or contact_id in (${contacts})`;
  switch (kind) {
    case 'lead':
      return leads;
    case 'contact':
      return contacts;
    case 'opportunity':
      return opportunities;
    case 'quote':
      return `select id from crm.quotes where created_by_id = ${me} or opportunity_id in (${opportunities})`;
    case 'task':
      return `select id from crm.tasks where assigned_to_id = ${me} or created_by_id = ${me}
        or lead_id in (${leads}) or contact_id in (${contacts}) or opportunity_id in (${opportunities})`;
  }
}

/**
 * SQL over activity.interaction_log: the logs a rep reads in `own` mode, those of a
 * record they read, and their own actions (a log linked to no record, such as a task
 * on nothing, is its author's alone).
 */
export function visibleLogsSql(userId: string): string {
  return `(user_id = '${userId.toLowerCase()}'::uuid
    or lead_id in (${visibleIdsSql('lead', userId)})
    or contact_id in (${visibleIdsSql('contact', userId)})
    or opportunity_id in (${visibleIdsSql('opportunity', userId)}))`;
}

export const isPrivileged = (caller: Caller) => caller.role === 'admin' || caller.role === 'manager';

export function ownersOf(kind: RecordKind, record: object): string[] {
  const fields = record as Record<string, string | null | undefined>;
  return OWNER_FIELDS[kind].map((f) => fields[f]).filter((id): id is string => !!id);
}

/** Who is asking about which kind of record: what the record helpers need to apply the Policy. */
export interface Access {
  policy: Policy;
  caller: Caller;
  kind: RecordKind;
}

@Injectable()
export class Policy {
  constructor(private readonly config: ApiConfig) {}

  /** The caller's access to records of `kind`, for the record helpers (common/records.ts). */
  on(kind: RecordKind, caller: Caller): Access {
    return { policy: this, caller, kind };
  }

  /** True when the caller reads every record (and every log): no filter to apply. */
  readsAll(caller: Caller): boolean {
    return this.config.RECORD_VISIBILITY === 'team' || isPrivileged(caller);
  }

  /** SQL restricting `<alias>.id` to what the caller reads, or null when they read everything. */
  readableIdsSql(kind: RecordKind, caller: Caller): string | null {
    return this.readsAll(caller) ? null : visibleIdsSql(kind, caller.id);
  }

  /** SQL restricting interaction_log rows to what the caller reads, or null for everything. */
  readableLogsSql(caller: Caller): string | null {
    return this.readsAll(caller) ? null : visibleLogsSql(caller.id);
  }

  /** May the caller write (change, reassign, convert, complete, log on, delete) this record? */
  mayWrite(caller: Caller, kind: RecordKind, record: object): boolean {
    return isPrivileged(caller) || ownersOf(kind, record).includes(caller.id);
  }

  /** 403 naming the rule, for a record the caller reads but may not write. */
  assertWrite(caller: Caller, kind: RecordKind, record: object & { id: string }, verb = 'change'): void {
    if (!this.mayWrite(caller, kind, record))
      throw DomainError.forbidden(`a sales rep may only ${verb} records they own (assignee, owner or creator); ${kind} ${record.id} is not theirs`);
  }

  /** Only an admin manages users; others see names only (see UsersController). */
  managesUsers(caller: Caller): boolean {
    return caller.role === 'admin';
  }
}
