import { EntityClass, EntityManager, EntityMetadata, EventType, helper, Knex, ReferenceKind, TransactionContext } from '@mikro-orm/postgresql';
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
 * writes; see docs/benchmarks.md for what this measured. Changes of existing rows (which
 * lock and read first) keep `em.transactional`. Called inside a transaction, the one
 * statement runs in it (no BEGIN or COMMIT of its own either way).
 *
 * With `requires`, each insert happens only if that record exists, checked in the same
 * statement, and a 404 names it when it does not.
 */
export async function insertNew<T>(em: EntityManager, build: (em: EntityManager) => T, requires?: Requires): Promise<T> {
  const fork = em.fork({ clear: true });
  // `build` runs with the fork as the current context: repositories that hold the
  // request's EntityManager (outbox events, records) add to this fork's unit of work.
  const result = TransactionContext.create(fork, () => build(fork));
  const entities = [...fork.getUnitOfWork().getPersistStack()];
  const params: Knex.RawBinding[] = [];
  const inserts = entities.map((entity, i) => `w${i} as (${insertOf(fork, fork.getMetadata().get(entity.constructor.name), entity, params, requires)})`);
  const query = fork.getKnex().raw<{ rows: { inserted: number }[] }>(`with ${inserts.join(', ')} select (select count(*) from w0)::int as inserted`, params);
  // Inside a transaction (an Idempotency-Key's, common/idempotency.ts) the statement joins
  // it, so it commits with what else the transaction writes; otherwise it stands alone.
  const trx = em.getTransactionContext<Knex.Transaction>();
  const res = await (trx ? query.transacting(trx) : query);
  // Standing alone, the statement was a transaction of its own, committed now: told as the
  // ORM tells a transaction's commit (the outbox relay drains at each, outbox.connections.ts).
  if (!trx) await fork.getEventManager().dispatchEvent(EventType.afterTransactionCommit, { em: fork });
  if (requires && res.rows[0].inserted === 0) throw DomainError.notFound(requires.what, requires.id);
  return result;
}

/** One insert of `entity`'s columns; its values (and a guard's id) are appended to `params`. */
function insertOf(em: EntityManager, meta: EntityMetadata, entity: object, params: Knex.RawBinding[], requires?: Requires): string {
  const platform = em.getPlatform();
  const columns: string[] = [];
  for (const prop of meta.props) {
    if (prop.persist === false || (prop.kind !== ReferenceKind.SCALAR && prop.kind !== ReferenceKind.MANY_TO_ONE)) continue;
    let value = (entity as Record<string, Knex.RawBinding>)[prop.name];
    if (value === undefined) continue;
    // A reference (mapToPk keeps the id itself; an entity or Reference gives its id).
    if (prop.kind === ReferenceKind.MANY_TO_ONE && value !== null && typeof value === 'object') value = helper(value).getPrimaryKey() as string;
    columns.push(platform.quoteIdentifier(prop.fieldNames[0]));
    params.push(prop.customType && value !== null ? (prop.customType.convertToDatabaseValue(value, platform, { mode: 'query' }) as Knex.RawBinding) : value);
  }
  // knex numbers the `?`s into $1, $2, … in order; the values travel as parameters.
  const marks = columns.map(() => '?').join(', ');
  const head = `insert into ${tableOf(em, meta)} (${columns.join(', ')})`;
  if (!requires) return `${head} values (${marks}) returning 1`;
  const target = em.getMetadata().get(requires.entity.name);
  params.push(requires.id);
  return `${head} select ${marks} where exists (select 1 from ${tableOf(em, target)} where ${platform.quoteIdentifier(target.getPrimaryProps()[0].fieldNames[0])} = ?) returning 1`;
}

function tableOf(em: EntityManager, meta: EntityMetadata): string {
  return em.getPlatform().quoteIdentifier(meta.schema ? `${meta.schema}.${meta.tableName}` : meta.tableName);
}
