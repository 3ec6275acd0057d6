import type { Pool } from 'pg';
import type { Policy, RecordKind } from '../auth/policy';
import type { Caller } from '../common/request-context';
import type { LogRow } from './feed.repository';
import { feedQuery } from './feed.prepared';

/** The record a rolled-up timeline belongs to. */
export type RootKind = 'lead' | 'contact' | 'opportunity';

/** A record whose logs join the root's timeline; `since`: only its logs from then on (a lead's conversion). */
export interface Member {
  type: RecordKind;
  id: string;
  name: string;
  since: Date | null;
}

/** Where an entry of a rolled-up timeline came from (null: the root record's own). */
export interface Via {
  type: RecordKind;
  id: string;
  name: string;
}

export interface Rollup {
  root: { type: RootKind; id: string };
  members: Member[];
}

/** The log column that names a record of each kind (quotes and tasks are named in `data`). */
export const LOG_COLUMN: Record<RootKind, 'lead_id' | 'contact_id' | 'opportunity_id'> = {
  lead: 'lead_id',
  contact: 'contact_id',
  opportunity: 'opportunity_id',
};

const TASK_NAME = `t.action || ' ' || t.target`;

/**
 * Who belongs to a record's timeline, from the CRM's tables as they are now:
 * - a contact: its opportunities, their quotes, the tasks on the contact or on those
 *   opportunities;
 * - an opportunity: its quotes, its tasks, its contact;
 * - a lead: the contact and opportunity it was converted into, from the conversion on.
 * `$1` is the root's id. Records the caller may not read are left out
 * (their names would show in `via`).
 */
function membersSql(kind: RootKind, visible: (k: RecordKind, alias: string) => string): string {
  switch (kind) {
    case 'contact':
      return `with o as (select o.id, o.name from crm.opportunities o where o.contact_id = $1${visible('opportunity', 'o')})
        select 'opportunity' as type, id, name, null::timestamptz as since from o
        union all
        select 'quote', q.id, q.title, null from crm.quotes q where q.opportunity_id in (select id from o)${visible('quote', 'q')}
        union all
        select 'task', t.id, ${TASK_NAME}, null from crm.tasks t
          where (t.contact_id = $1 or t.opportunity_id in (select id from o))${visible('task', 't')}`;
    case 'opportunity':
      return `select 'contact' as type, c.id, c.name, null::timestamptz as since
          from crm.opportunities o join crm.contacts c on c.id = o.contact_id where o.id = $1${visible('contact', 'c')}
        union all
        select 'quote', q.id, q.title, null from crm.quotes q where q.opportunity_id = $1${visible('quote', 'q')}
        union all
        select 'task', t.id, ${TASK_NAME}, null from crm.tasks t where t.opportunity_id = $1${visible('task', 't')}`;
    case 'lead':
      return `select 'contact' as type, c.id, c.name, l.converted_at as since
          from crm.leads l join crm.contacts c on c.id = l.converted_contact_id where l.id = $1${visible('contact', 'c')}
        union all
        select 'opportunity', o.id, o.name, l.converted_at
          from crm.leads l join crm.opportunities o on o.id = l.converted_opportunity_id where l.id = $1${visible('opportunity', 'o')}`;
  }
}

/** The root's members now. Read on every page and every poll of a stream, so a new opportunity joins at once. */
export async function resolveRollup(pool: Pool, policy: Policy, caller: Caller, root: Rollup['root']): Promise<Rollup> {
  const visible = (kind: RecordKind, alias: string) => {
    const ids = policy.readableIdsSql(kind, caller);
    return ids ? ` and ${alias}.id in (${ids})` : '';
  };
  const sql = membersSql(root.type, visible);
  const { rows } = await pool.query<Member>(feedQuery(sql, [root.id], !policy.readsAll(caller)));
  return { root, members: rows };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * Which record an entry of a rolled-up timeline came through. A quote's or a task's log
 * names its quote or task (by its current name; a deleted one's from the log). Any other
 * log is the root's own (null) when it names the root, else it came through the most
 * specific member it names: an opportunity before a contact.
 */
export function viaOf(row: LogRow, rollup: Rollup): Via | null {
  const member = (type: RecordKind, id: string | null) =>
    id ? rollup.members.find((m) => m.type === type && m.id === id && (!m.since || row.timestamp >= m.since)) : undefined;
  const quoteId = row.event_type.startsWith('quote.') ? str(row.data.quote_id) : null;
  if (quoteId) return { type: 'quote', id: quoteId, name: member('quote', quoteId)?.name ?? str(row.data.title) ?? '' };
  const taskId = row.event_type.startsWith('task.') ? str(row.data.task_id) : null;
  if (taskId)
    return { type: 'task', id: taskId, name: member('task', taskId)?.name ?? `${str(row.data.action) ?? ''} ${str(row.data.target) ?? ''}`.trim() };
  if (row[LOG_COLUMN[rollup.root.type]] === rollup.root.id) return null;
  const through = member('opportunity', row.opportunity_id) ?? member('contact', row.contact_id) ?? member('lead', row.lead_id);
  return through ? { type: through.type, id: through.id, name: through.name } : null;
}
