import type { RecordKind } from '../auth/policy';
import { LOG_COLUMN, Rollup, RootKind } from './feed.rollup';

/**
 * The SQL of rolled-up timelines (rollup=true), used by FeedRepository only: who belongs
 * to a record's timeline (membersSql) and the ways into its logs (rollupConditions).
 */

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
export function membersSql(kind: RootKind, visible: (k: RecordKind, alias: string) => string): string {
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

/** Members with an index range scan of their own in a rolled-up page; any more share one `= any(...)` scan. */
const BRANCHES_PER_KIND = 20;

/**
 * Each way into a rolled-up timeline, as a condition an index serves: the root's column,
 * each contact's and opportunity's (from `since` for a lead's conversion), and the quotes'
 * and tasks' ids in `data` (each has a few logs: one branch for all of them).
 */
/**
 * One way into a rolled-up timeline. `sorted: false` for the quotes' and tasks' branch:
 * its rows are few (a handful of records' logs) but no index gives them in time order,
 * and a generic plan (feed.module.ts), not knowing how few, would walk the whole log in
 * time order filtering for them (600 ms measured on 1,000,000 logs): the branch sorts
 * its few rows instead (see page()).
 */
interface RollupBranch {
  sql: string;
  sorted: boolean;
}

export function rollupConditions(rollup: Rollup, params: unknown[]): RollupBranch[] {
  const p = (v: unknown) => (params.push(v), `$${params.length}`);
  const out = [`${LOG_COLUMN[rollup.root.type]} = ${p(rollup.root.id)}::uuid`];
  const shared = new Map<RootKind, string[]>();
  const own = new Map<RootKind, number>();
  for (const m of rollup.members) {
    if (m.type === 'quote' || m.type === 'task') continue;
    const column = LOG_COLUMN[m.type];
    if (m.since) out.push(`${column} = ${p(m.id)}::uuid and "timestamp" >= ${p(m.since)}::timestamptz`);
    else if ((own.get(m.type) ?? 0) < BRANCHES_PER_KIND) {
      own.set(m.type, (own.get(m.type) ?? 0) + 1);
      out.push(`${column} = ${p(m.id)}::uuid`);
    } else shared.set(m.type, [...(shared.get(m.type) ?? []), m.id]);
  }
  for (const [type, ids] of shared) out.push(`${LOG_COLUMN[type]} = any(${p(ids)}::uuid[])`);
  // Quotes and tasks share one branch (a bitmap OR of their two indexes): one scan fewer to plan.
  // The `?` repeats each partial index's predicate, so the planner may use it.
  const inData = (['quote', 'task'] as const)
    .map((type) => [type, rollup.members.filter((m) => m.type === type).map((m) => m.id)] as const)
    .filter(([, ids]) => ids.length > 0)
    .map(([type, ids]) => `(data ? '${type}_id' and data->>'${type}_id' = any(${p(ids)}::text[]))`);
  const branches = out.map((sql) => ({ sql, sorted: true }));
  if (inData.length) branches.push({ sql: inData.join(' or '), sorted: false });
  return branches;
}
