import type { Policy, RecordKind } from '../auth/policy';
import type { Caller } from '../common/request-context';
import type { FeedRepository, LogRow } from './feed.repository';

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

/** The root's members now. Read on every page and every poll of a stream, so a new opportunity joins at once. */
export async function resolveRollup(repo: Pick<FeedRepository, 'rollupMembers'>, policy: Policy, caller: Caller, root: Rollup['root']): Promise<Rollup> {
  const visible = (kind: RecordKind) => policy.readableIdsSql(kind, caller);
  return { root, members: await repo.rollupMembers(root, visible, !policy.readsAll(caller)) };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * Which record an entry of a rolled-up timeline came through. A quote's or a task's log
 * names its quote or task (by its current name; a deleted one's from the log). Any other
 * log is the root's own (null) when it names the root, else it came through the most
 * specific member it names: an opportunity before a contact.
 */
export function viaOf(row: LogRow, rollup: Rollup): Via | null {
  const member = (type: RecordKind, id: string | null) => (id ? rollup.members.find((m) => m.type === type && m.id === id && (!m.since || row.timestamp >= m.since)) : undefined);
  const quoteId = row.event_type.startsWith('quote.') ? str(row.data.quote_id) : null;
  if (quoteId) return { type: 'quote', id: quoteId, name: member('quote', quoteId)?.name ?? str(row.data.title) ?? '' };
  const taskId = row.event_type.startsWith('task.') ? str(row.data.task_id) : null;
  if (taskId) return { type: 'task', id: taskId, name: member('task', taskId)?.name ?? `${str(row.data.action) ?? ''} ${str(row.data.target) ?? ''}`.trim() };
  if (row[LOG_COLUMN[rollup.root.type]] === rollup.root.id) return null;
  const through = member('opportunity', row.opportunity_id) ?? member('contact', row.contact_id) ?? member('lead', row.lead_id);
  return through ? { type: through.type, id: through.id, name: through.name } : null;
}
