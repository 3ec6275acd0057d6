import { EntityManager, EntityName, FilterQuery, LockMode } from '@mikro-orm/postgresql';
import type { Access } from '../auth/record-access';
import { readableWhere } from '../auth/record-access';
import { DomainError } from './domain-error';
import { assertIfMatch } from './etag';
import { applyChanges } from './patch';

/**
 * A record by id, or a 404. With `lock`, the row is held (SELECT ... FOR UPDATE) until
 * the transaction ends, so two concurrent changes of one record are applied one after
 * the other and each event's old_value is the value it really replaced.
 * With `access`, a record the caller may not read is a 404 too (the Policy's filter is
 * in the same query), and with `access.write` one they read but may not write is a 403,
 * decided on the locked row.
 */
export async function findOr404<T extends object>(
  em: EntityManager,
  entity: EntityName<T>,
  id: string,
  what: string,
  lock = false,
  access?: Access & { write?: string },
): Promise<T> {
  const where = { id, ...(access ? readableWhere(access) : {}) } as FilterQuery<T>;
  const found = await em.findOne(entity, where, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
  if (!found) throw DomainError.notFound(what, id);
  if (access?.write) access.policy.assertWrite(access.caller, access.kind, found as T & { id: string }, access.write);
  return found;
}

/**
 * Deletes by id, or a 404, in one transaction with the event `describe` adds for it. The
 * row is locked and read first, so the event names what was really deleted (and two
 * concurrent deletes emit one event). References to it are cleared by the database (on
 * delete set null); the logs that name it stay.
 */
export function deleteOr404<T extends object>(
  em: EntityManager,
  entity: EntityName<T>,
  id: string,
  what: string,
  describe: (em: EntityManager, record: T) => void,
  access?: Access,
): Promise<void> {
  return em.transactional(async (tx) => {
    const record = await findOr404(tx, entity, id, what, true, access && { ...access, write: 'delete' });
    describe(tx, record);
    await tx.nativeDelete(entity, { id } as FilterQuery<T>);
  });
}

/** What an update's `emit` is told: the record as it was, what changed, and when. */
export interface Changes<T> {
  before: Readonly<T>;
  changed: (keyof T)[];
  now: Date;
}

/**
 * Applies a PATCH (undefined = leave alone) to a record, or a 404, in one transaction.
 * The row is locked first, so concurrent changes apply one after the other and an
 * event's old value is the one it really replaced. Only when something changed does
 * updated_at move and `emit` run (in the transaction: its events commit with the change).
 */
export function updateOr404<T extends { updatedAt: Date }>(
  em: EntityManager,
  entity: EntityName<T>,
  id: string,
  what: string,
  patch: { [K in keyof T]?: T[K] },
  emit: (em: EntityManager, record: T, changes: Changes<T>) => unknown = () => undefined,
  access?: Access,
  ifMatch?: string[] | '*',
): Promise<T> {
  return em.transactional(async (tx) => {
    const record = await findOr404(tx, entity, id, what, true, access && { ...access, write: 'change' });
    assertIfMatch(ifMatch, what, record.updatedAt); // on the locked row: a concurrent change cannot slip in between
    const before = { ...record };
    const changed = applyChanges(record, patch);
    if (!changed.length) return record;
    // Strictly after the previous version, even within one millisecond: updated_at is the
    // record's entity tag (common/etag.ts), and two versions must never share one.
    const now = new Date(Math.max(Date.now(), record.updatedAt.getTime() + 1));
    record.updatedAt = now;
    await emit(tx, record, { before, changed, now });
    return record;
  });
}
