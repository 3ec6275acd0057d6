import { EntityManager, EntityMetadata, Knex, ReferenceKind } from '@mikro-orm/postgresql';

/**
 * Runs `build`, which creates new entities only (a record and its outbox events) and
 * reads nothing, then writes everything it persisted in ONE statement: an insert per
 * entity, each in a data-modifying CTE. A statement is atomic by itself, so the record
 * and its events commit together without BEGIN and COMMIT: one round trip instead of
 * the unit of work's four, and no change-set computation. Creates are the API's hottest
 * writes; see docs/benchmarks.md for what this measured. Changes of existing rows (which
 * lock and read first) keep `em.transactional`.
 */
export async function insertNew<T>(em: EntityManager, build: (em: EntityManager) => T): Promise<T> {
  const fork = em.fork({ clear: true });
  const result = build(fork);
  const entities = [...fork.getUnitOfWork().getPersistStack()];
  const params: Knex.RawBinding[] = [];
  const inserts = entities.map((entity, i) => `w${i} as (${insertOf(fork, fork.getMetadata().get(entity.constructor.name), entity, params)})`);
  await fork.getKnex().raw(`with ${inserts.join(', ')} select 1`, params);
  return result;
}

function insertOf(em: EntityManager, meta: EntityMetadata, entity: object, params: Knex.RawBinding[]): string {
  const platform = em.getPlatform();
  const columns: string[] = [];
  for (const prop of meta.props) {
    if (prop.persist === false || prop.kind !== ReferenceKind.SCALAR) continue;
    const value = (entity as Record<string, Knex.RawBinding>)[prop.name];
    if (value === undefined) continue;
    columns.push(platform.quoteIdentifier(prop.fieldNames[0]));
    params.push(prop.customType && value !== null ? prop.customType.convertToDatabaseValue(value, platform, { mode: 'query' }) : value);
  }
  const table = platform.quoteIdentifier(meta.schema ? `${meta.schema}.${meta.tableName}` : meta.tableName);
  // knex numbers the `?`s into $1, $2, … in order; the values travel as parameters.
  return `insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`;
}
