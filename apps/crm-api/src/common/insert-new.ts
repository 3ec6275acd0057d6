import { EntityClass, EntityManager, EntityMetadata, EntityProperty, EventType, helper, Knex, Platform, ReferenceKind, TransactionContext } from '@mikro-orm/postgresql';
import { namedQuery, statementName } from '../database/named-query';
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
 * The statement is a named one (its name from its text: one per set of entities), so
 * PostgreSQL parses and plans it once per connection, not at every create.
 *
 * With `requires`, each insert happens only if that record exists, checked in the same
 * statement, and a 404 names it when it does not.
 */
export async function insertNew<T>(em: EntityManager, build: (em: EntityManager) => T, requires?: Requires): Promise<T> {
  const fork = em.fork({ clear: true });
  // `build` runs with the fork as the current context: repositories that hold the
  // request's EntityManager (outbox events, records) add to this fork's unit of work.
  const result = TransactionContext.create(fork, () => build(fork));
  const values: unknown[] = [];
  const guard = requires && existsGuard(fork, requires, values);
  const text = `with ${persistedInserts(fork, values, guard).join(', ')} select (select count(*) from w0)::int as inserted`;
  // Inside a transaction (an Idempotency-Key's, common/idempotency.ts) the statement joins
  // it, so it commits with what else the transaction writes; otherwise it stands alone.
  const trx = em.getTransactionContext<Knex.Transaction>();
  const [{ inserted }] = await namedQuery<{ inserted: number }>(fork, statementName('insert-new', text), text, values, trx);
  if (!trx) await committedAlone(fork);
  if (requires && inserted === 0) throw DomainError.notFound(requires.what, requires.id);
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

/** The condition that the required record exists; its id is appended to `values`. */
function existsGuard(em: EntityManager, requires: Requires, values: unknown[]): string {
  const target = em.getMetadata().get(requires.entity.name);
  values.push(requires.id);
  return `exists (select 1 from ${tableOf(em, target)} where ${em.getPlatform().quoteIdentifier(target.getPrimaryProps()[0].fieldNames[0])} = $${values.length})`;
}

/**
 * Everything `em`'s unit of work was asked to persist (new entities only), as
 * data-modifying CTEs `w0`, `w1`, … of one statement, each under the condition `guard`
 * (SQL) when given. Their values are appended to `values`, each its `$n` (its position
 * there): the text depends only on the entities' kinds, in order, never on their values.
 */
export function persistedInserts(em: EntityManager, values: unknown[], guard?: string): string[] {
  const entities = [...em.getUnitOfWork().getPersistStack()];
  return entities.map((entity, i) => `w${i} as (${insertOf(em, em.getMetadata().get(entity.constructor.name), entity, values, guard)})`);
}

/** One insert of `entity`'s columns; its values are appended to `values`. */
function insertOf(em: EntityManager, meta: EntityMetadata, entity: object, values: unknown[], guard?: string): string {
  const platform = em.getPlatform();
  const columns: string[] = [];
  const marks: string[] = [];
  for (const prop of meta.props) {
    if (prop.persist === false || (prop.kind !== ReferenceKind.SCALAR && prop.kind !== ReferenceKind.MANY_TO_ONE)) continue;
    let value = (entity as Record<string, unknown>)[prop.name];
    if (value === undefined) {
      // Unset: a column with a default is left to it; any other is null, as its (absent)
      // default would make it. So the columns, and the statement's text, are the same
      // for every entity of a kind (one named statement), whichever values are unset.
      if (prop.default !== undefined || prop.defaultRaw !== undefined) continue;
      value = null;
    }
    columns.push(platform.quoteIdentifier(prop.fieldNames[0]));
    values.push(columnValue(platform, prop, value));
    marks.push(`$${values.length}`);
  }
  const head = `insert into ${tableOf(em, meta)} (${columns.join(', ')})`;
  if (!guard) return `${head} values (${marks.join(', ')}) returning 1`;
  return `${head} select ${marks.join(', ')} where ${guard} returning 1`;
}

/** A property's value as its column takes it: a reference's id (mapToPk keeps the id itself; an entity or Reference gives its id), a custom type converted. */
export function columnValue(platform: Platform, prop: EntityProperty, value: unknown): Knex.RawBinding {
  if (prop.kind === ReferenceKind.MANY_TO_ONE && value !== null && typeof value === 'object') return helper(value).getPrimaryKey() as string;
  return (prop.customType && value !== null ? prop.customType.convertToDatabaseValue(value, platform, { mode: 'query' }) : value) as Knex.RawBinding;
}

export function tableOf(em: EntityManager, meta: EntityMetadata): string {
  return em.getPlatform().quoteIdentifier(meta.schema ? `${meta.schema}.${meta.tableName}` : meta.tableName);
}
