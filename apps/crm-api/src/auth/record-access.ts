import { EntityManager, raw } from '@mikro-orm/postgresql';
import { DomainError } from '../common/domain-error';
import type { Caller } from '../common/request-context';
import { Access, isPrivileged, Policy, RecordKind, TABLES } from './policy';

export type { Access } from './policy';

/** A where-clause entry keeping only the records the caller reads (none needed when they read all). */
export function readableWhere(access: Access): Record<string, unknown> {
  const sql = access.policy.readableIdsSql(access.kind, access.caller);
  return sql ? { [raw((alias) => `${alias}.id in (${sql})`)]: [] } : {};
}

/**
 * References a write sets (a task's lead, a contact's lead, ...) must name records the
 * caller reads; one that exists but is hidden from them answers the same 404 as one that
 * does not exist, so existence does not leak.
 */
export async function assertReadableRefs(
  em: EntityManager,
  policy: Policy,
  caller: Caller,
  refs: Partial<Record<RecordKind, string | null | undefined>>,
): Promise<void> {
  for (const [kind, id] of Object.entries(refs) as [RecordKind, string | null | undefined][]) {
    const sql = id ? policy.readableIdsSql(kind, caller) : null;
    if (!sql) continue;
    const rows = await em.getConnection().execute(`select 1 from ${TABLES[kind]} where id = ? and id in (${sql})`, [id]);
    if (!rows.length) throw DomainError.notFound(kind, id!);
  }
}

/**
 * A parent the caller adds to (a quote to an opportunity, a log to a lead) must be one
 * they may write: 404 when they do not read it, 403 when they read but do not own it.
 */
export async function assertWritableRef(em: EntityManager, policy: Policy, caller: Caller, kind: RecordKind, id: string, verb: string): Promise<void> {
  // A manager or admin writes every record: existence is left to the write itself (as before the Policy).
  if (isPrivileged(caller)) return;
  const readable = policy.readableIdsSql(kind, caller);
  const rows = await em
    .getConnection()
    .execute<object[]>(
      `select id, created_by_id as "createdById", ${kind === 'opportunity' ? 'owner_id as "ownerId"' : kind === 'lead' || kind === 'task' ? 'assigned_to_id as "assignedToId"' : 'null as "none"'}
       from ${TABLES[kind]} where id = ?${readable ? ` and id in (${readable})` : ''}`,
      [id],
    );
  if (!rows.length) throw DomainError.notFound(kind, id);
  policy.assertWrite(caller, kind, rows[0] as object & { id: string }, verb);
}
