import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import { createHash } from 'node:crypto';
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

/**
 * Distinct texts given a name at most. Each connection keeps every statement it prepared
 * until it closes (in crm-api's memory and in its PostgreSQL backend's), so the names must
 * be bounded whatever the texts: past this many, a new text runs unnamed.
 */
const MAX_NAMED_TEXTS = 200;
const namesByText = new Map<string, string>();

/**
 * The name of a statement whose text is built at run time (an insert of the entities a
 * create added; a PATCH's update of the columns it changed): derived from the text, so
 * each text is parsed and planned once per connection, and two texts never share a name
 * (pg refuses a name given again with another text). Such texts come in a few shapes per
 * kind of write; undefined (unnamed, planned every time) past MAX_NAMED_TEXTS of them.
 */
export function statementName(prefix: string, text: string): string | undefined {
  let name = namesByText.get(text);
  if (name === undefined && namesByText.size < MAX_NAMED_TEXTS) {
    name = `${prefix}:${createHash('sha1').update(text).digest('base64url')}`;
    namesByText.set(text, name);
  }
  return name;
}
