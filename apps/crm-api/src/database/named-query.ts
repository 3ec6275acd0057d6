import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import type { ClientBase, QueryResultRow } from 'pg';

/**
 * A named (prepared) statement on a connection of the ORM's own pool: parsed and planned
 * once per connection, sent without the query builder. For a statement every request
 * runs outside any transaction (the caller lookup); the pool, its bounds and its
 * timeouts are the ORM's, so the connection budget does not grow. A/B in
 * docs/benchmarks.md ("The caller lookup as a named statement"). With `trx`, on that
 * transaction's connection; without `name`, an unnamed statement (planned each time).
 */
export async function namedQuery<R extends QueryResultRow>(em: EntityManager, name: string | undefined, text: string, values: unknown[], trx?: Knex.Transaction): Promise<R[]> {
  const client = (trx ?? em.getKnex()).client as { acquireConnection(): Promise<ClientBase>; releaseConnection(c: ClientBase): Promise<void> };
  const connection = await client.acquireConnection();
  try {
    return (await connection.query<R>({ name, text, values })).rows;
  } finally {
    await client.releaseConnection(connection);
  }
}
