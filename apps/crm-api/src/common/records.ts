import { EntityDictionary, EntityKey, EntityManager, EntityName, FilterQuery, Knex, LockMode, TransactionContext, Utils } from '@mikro-orm/postgresql';
import type { Access } from '../auth/record-access';
import { readableWhere } from '../auth/record-access';
import { namedQuery } from '../database/named-query';
import { DomainError } from './domain-error';
import { assertIfMatch } from './etag';
import { columnValue, committedAlone, insertsOf, tableOf, writeStatement } from './insert-new';
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
 * Applies a PATCH (undefined = leave alone) to a record, or a 404. Only when something
 * changed does updated_at move and `emit` run; the events it adds are written with the
 * change, in the same statement. Concurrent changes of one record apply one after the
 * other and each event's old value is the one it really replaced: the change is written
 * only onto the very row version it was computed from (below). Two round trips and no
 * unit of work (a read, then one statement), where BEGIN, SELECT … FOR UPDATE, UPDATE,
 * INSERT and COMMIT were five; docs/decisions.md, "A PATCH is a read and one statement".
 */
export async function updateOr404<T extends { updatedAt: Date }>(
  em: EntityManager,
  entity: EntityName<T>,
  id: string,
  what: string,
  patch: { [K in keyof T]?: T[K] },
  emit: (record: T, changes: Changes<T>) => unknown = () => undefined,
  access?: Access,
  ifMatch?: string[] | '*',
): Promise<T> {
  const change = (on: EntityManager, lock: boolean) => changeRow(on, entity, id, what, patch, emit, lock, access, ifMatch);
  // Optimistic: read the row, write only if it is still that version (its xmin). Another
  // writer in between (rare: one record's concurrent PATCHes, a conversion) makes it write
  // nothing; then the same again, holding the row from the read to the commit.
  return (await change(em, false)) ?? (await em.transactional((tx) => change(tx, true)))!;
}

/**
 * Reads the row (FOR UPDATE with `lock`, in the caller's transaction), applies the
 * Policy (404 unread, 403 unwritable), If-Match (412), the patch and `emit`, then writes
 * in ONE statement the update, guarded by the version read, and the events, each only
 * if the update happened. Undefined when that version was replaced meanwhile (then
 * nothing was written).
 */
async function changeRow<T extends { updatedAt: Date }>(
  em: EntityManager,
  entity: EntityName<T>,
  id: string,
  what: string,
  patch: { [K in keyof T]?: T[K] },
  emit: (record: T, changes: Changes<T>) => unknown,
  lock: boolean,
  access?: Access,
  ifMatch?: string[] | '*',
): Promise<T | undefined> {
  // The fork holds what is read and what `emit` adds; with the caller's transaction, if any.
  const fork = em.fork({ clear: true, keepTransactionContext: true });
  const trx = fork.getTransactionContext<Knex.Transaction>();
  const meta = fork.getMetadata().get<T>(Utils.className(entity));
  const table = tableOf(fork, meta);
  const readable = access && access.policy.readableIdsSql(access.kind, access.caller);
  // xmin: the id of the transaction that wrote this version of the row; any later write
  // of the row (a change, a conversion, a referenced record's deletion) gives it another.
  // A named statement (planned once per connection) unless a rep's visibility filter,
  // which names the rep, makes the text one of many.
  const rows = await namedQuery<Record<string, unknown>>(
    fork,
    readable ? undefined : `change-read${lock ? '-locked' : ''}:${table}`,
    `select xmin::text as "xmin", * from ${table} where id = $1${readable ? ` and id in (${readable})` : ''}${lock ? ' for update' : ''}`,
    [id],
    trx,
  );
  if (!rows.length) throw DomainError.notFound(what, id);
  const { xmin, ...row } = rows[0];
  const record = fork.map(entity, row as EntityDictionary<T>);
  if (access) access.policy.assertWrite(access.caller, access.kind, record as T & { id: string }, 'change');
  assertIfMatch(ifMatch, what, record.updatedAt);
  const before = { ...record };
  const changed = applyChanges(record, patch);
  if (!changed.length) return record;
  // Strictly after the previous version, even within one millisecond: updated_at is the
  // record's entity tag (common/etag.ts), and two versions must never share one.
  const now = new Date(Math.max(Date.now(), record.updatedAt.getTime() + 1));
  record.updatedAt = now;
  // `emit` runs with the fork as the current context: the outbox's events land in its unit of work.
  await TransactionContext.create(fork, () => emit(record, { before, changed, now }));
  const platform = fork.getPlatform();
  const values: unknown[] = [];
  const sets = [...changed, 'updatedAt' as keyof T].map((key) => {
    const prop = meta.properties[key as EntityKey<T>];
    values.push(columnValue(platform, prop, record[key]));
    return `${platform.quoteIdentifier(prop.fieldNames[0])} = $${values.length}`;
  });
  values.push(id, xmin);
  const update = `u as (update ${table} set ${sets.join(', ')} where id = $${values.length - 1} and xmin = $${values.length}::xid returning 1)`;
  const inserts = insertsOf(fork, fork.getUnitOfWork().getPersistStack(), values, 'exists (select 1 from u)');
  // One shape per set of changed columns and events' kinds: planned once per connection.
  const updated = await writeStatement(fork, 'change', [update, ...inserts], 'u', values, trx);
  if (!updated) return undefined;
  if (!trx) await committedAlone(fork); // its events are the relay's to publish now
  return record;
}
