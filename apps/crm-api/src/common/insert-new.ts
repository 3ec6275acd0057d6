import { EntityClass, EntityManager, EntityMetadata, EntityProperty, EventType, helper, Knex, Platform, ReferenceKind, TransactionContext } from '@mikro-orm/postgresql';
import { DomainError } from './domain-error';

/** A record that must exist for the insert to happen (a 404 names it otherwise). */
export interface Requires {
  entity: EntityClass<object>;
  id: string;
  what: string;
}

/**
 * Runs `build`, which creates new entities only (a record and its outbox events) and
 * reads nothing, then writes everything it persisted in ONE statement: an insert per
 * entity, each in a data-modifying CTE. A statement is atomic by itself, so the record
 * and its events commit together without BEGIN and COMMIT: one round trip instead of
 * the unit of work's four, and no change-set computation. Creates are the API's hottest
 * writes; see docs/benchmarks.md for what this measured. A PATCH reads first, then writes
 * its update and events the same way (updateOr404, common/records.ts). Called inside a
 * transaction, the one statement runs in it (no BEGIN or COMMIT of its own either way).
 *
 * With `requires`, each insert happens only if that record exists, checked in the same
 * statement, and a 404 names it when it does not.
 */
export async function insertNew<T>(em: EntityManager, build: (em: EntityManager) => T, requires?: Requires): Promise<T> {
  const fork = em.fork({ clear: true });
  // `build` runs with the fork as the current context: repositories that hold the
  // request's EntityManager (outbox events, records) add to this fork's unit of work.
  const result = TransactionContext.create(fork, () => build(fork));
  const params: Knex.RawBinding[] = [];
  const guard = requires && existsGuard(fork, requires);
  const inserts = persistedInserts(fork, params, guard);
  const query = fork.getKnex().raw<{ rows: { inserted: number }[] }>(`with ${inserts.join(', ')} select (select count(*) from w0)::int as inserted`, params);
  // Inside a transaction (an Idempotency-Key's, common/idempotency.ts) the statement joins
  // it, so it commits with what else the transaction writes; otherwise it stands alone.
  const trx = em.getTransactionContext<Knex.Transaction>();
  const res = await (trx ? query.transacting(trx) : query);
  if (!trx) await committedAlone(fork);
  if (requires && res.rows[0].inserted === 0) throw DomainError.notFound(requires.what, requires.id);
  return result;
}

/**
 * A statement run outside any transaction was a transaction of its own, committed now:
 * told as the ORM tells a transaction's commit (the outbox relay drains at each,
 * outbox.connections.ts). Every one-statement write that can add events calls it.
 */
export async function committedAlone(em: EntityManager): Promise<void> {
  await em.getEventManager().dispatchEvent(EventType.afterTransactionCommit, { em });
}

/** The condition that the required record exists. */
function existsGuard(em: EntityManager, requires: Requires): Guard {
  const target = em.getMetadata().get(requires.entity.name);
  return { sql: `exists (select 1 from ${tableOf(em, target)} where ${em.getPlatform().quoteIdentifier(target.getPrimaryProps()[0].fieldNames[0])} = ?)`, params: [requires.id] };
}

/** A condition each insert is made under: SQL, and the values of its `?`s. */
export interface Guard {
  sql: string;
  params: Knex.RawBinding[];
}

/**
 * Everything `em`'s unit of work was asked to persist (new entities only), as
 * data-modifying CTEs `w0`, `w1`, … of one statement, each under `guard` when given;
 * their values are appended to `params`.
 */
export function persistedInserts(em: EntityManager, params: Knex.RawBinding[], guard?: Guard): string[] {
  const entities = [...em.getUnitOfWork().getPersistStack()];
  return entities.map((entity, i) => `w${i} as (${insertOf(em, em.getMetadata().get(entity.constructor.name), entity, params, guard)})`);
}

/** One insert of `entity`'s columns; its values (and the guard's) are appended to `params`. */
function insertOf(em: EntityManager, meta: EntityMetadata, entity: object, params: Knex.RawBinding[], guard?: Guard): string {
  const platform = em.getPlatform();
  const columns: string[] = [];
  for (const prop of meta.props) {
    if (prop.persist === false || (prop.kind !== ReferenceKind.SCALAR && prop.kind !== ReferenceKind.MANY_TO_ONE)) continue;
    const value = (entity as Record<string, unknown>)[prop.name];
    if (value === undefined) continue;
    columns.push(platform.quoteIdentifier(prop.fieldNames[0]));
    params.push(columnValue(platform, prop, value));
  }
  // knex numbers the `?`s into $1, $2, … in order; the values travel as parameters.
  const marks = columns.map(() => '?').join(', ');
  const head = `insert into ${tableOf(em, meta)} (${columns.join(', ')})`;
  if (!guard) return `${head} values (${marks}) returning 1`;
  params.push(...guard.params);
  return `${head} select ${marks} where ${guard.sql} returning 1`;
}

/** A property's value as its column takes it: a reference's id (mapToPk keeps the id itself; an entity or Reference gives its id), a custom type converted. */
export function columnValue(platform: Platform, prop: EntityProperty, value: unknown): Knex.RawBinding {
  if (prop.kind === ReferenceKind.MANY_TO_ONE && value !== null && typeof value === 'object') return helper(value).getPrimaryKey() as string;
  return (prop.customType && value !== null ? prop.customType.convertToDatabaseValue(value, platform, { mode: 'query' }) : value) as Knex.RawBinding;
}

export function tableOf(em: EntityManager, meta: EntityMetadata): string {
  return em.getPlatform().quoteIdentifier(meta.schema ? `${meta.schema}.${meta.tableName}` : meta.tableName);
}
