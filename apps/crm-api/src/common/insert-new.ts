import { EntityClass, EntityManager, EntityMetadata, EntityProperty, EventType, helper, Knex, Platform, ReferenceKind } from '@mikro-orm/postgresql';
import { namedQuery, statementName } from '../database/named-query';
import { transactionOf } from '../database/request-context';
import { DomainError } from './domain-error';

/** A record that must exist for the insert to happen (a 404 names it otherwise). */
export interface Requires {
  entity: EntityClass<object>;
  id: string;
  what: string;
}

/**
 * Runs `build`, which creates new entities only (a record and its outbox events, through
 * `RecordRepository.add` and `OutboxEventsRepository.add`) and reads nothing, then writes
 * them all in ONE statement: an insert per entity, each in a data-modifying CTE. A
 * statement is atomic by itself, so the record and its events commit together without
 * BEGIN and COMMIT: one round trip instead of the unit of work's four, and no change-set
 * computation. Creates are the API's hottest writes; see docs/benchmarks.md for what
 * this measured. A PATCH reads first, then writes its update and events the same way
 * (updateOr404, common/records.ts). Called inside a transaction, the one statement runs
 * in it (no BEGIN or COMMIT of its own either way). The statement is a named one (its
 * name from its text: one per set of entities), so PostgreSQL parses and plans it once
 * per connection, not at every create.
 *
 * What `build` adds goes into no unit of work (no fork, no `em.create`): the one
 * statement is all that writes it (see `newEntity`). `build` must add synchronously:
 * what it added after returning would be written by nothing.
 *
 * With `requires`, each insert happens only if that record exists, checked in the same
 * statement, and a 404 names it when it does not.
 */
export async function insertNew<T>(em: EntityManager, build: () => T, requires?: Requires): Promise<T> {
  const entities: object[] = [];
  const outer = adding;
  adding = entities;
  let result: T;
  try {
    result = build();
  } finally {
    adding = outer;
  }
  if (result instanceof Promise) throw new Error('insertNew: `build` must add its entities synchronously');
  const values: unknown[] = [];
  const guard = requires && existsGuard(em, requires, values);
  // Inside a transaction (an Idempotency-Key's, common/idempotency.ts) the statement joins
  // it, so it commits with what else the transaction writes; otherwise it stands alone.
  // (transactionOf: asked without forking the request's EntityManager, which a create never uses.)
  const trx = transactionOf(em);
  const inserted = await writeStatement(em, 'insert-new', insertsOf(em, entities, values, guard), 'w0', values, trx);
  if (!trx) await committedAlone(em);
  if (requires && inserted === 0) throw DomainError.notFound(requires.what, requires.id);
  return result;
}

/**
 * The entities the `build` of the insertNew running now has added, or undefined outside
 * one. A module variable, not an AsyncLocalStorage: `build` is synchronous, so no other
 * request's code runs while it is set.
 */
let adding: object[] | undefined;

/**
 * Inside an insertNew's `build`: a new `entity` of `data`, added to that insert (and
 * answered); undefined elsewhere, where the caller puts it in the unit of work. Made as
 * `em.create` makes a new entity (the class's constructor, so its initialisers give the
 * defaults; then each defined value of `data`; the services give values of the
 * properties' own types), without registering it anywhere: nothing but the one
 * statement writes it, and nothing reads it back.
 */
export function newEntity<T extends object>(entity: EntityClass<T>, data: object): T | undefined {
  if (!adding) return undefined;
  const created = new (entity as new () => T)() as Record<string, unknown>;
  for (const key in data) {
    const value = (data as Record<string, unknown>)[key];
    if (value !== undefined) created[key] = value;
  }
  adding.push(created);
  return created as T;
}

/**
 * Data-modifying CTEs run as ONE named statement (its name from its text, under `kind`:
 * each shape is parsed and planned once per connection), on `trx`'s connection when given;
 * answers how many rows the CTE `counted` wrote.
 */
export async function writeStatement(em: EntityManager, kind: string, ctes: string[], counted: string, values: unknown[], trx?: Knex.Transaction): Promise<number> {
  const text = `with ${ctes.join(', ')} select (select count(*) from ${counted})::int as written`;
  const [{ written }] = await namedQuery<{ written: number }>(em, statementName(kind, text), text, values, trx);
  return written;
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
 * `entities` (new ones only) as data-modifying CTEs `w0`, `w1`, … of one statement, each
 * under the condition `guard` (SQL) when given. Their values are appended to `values`,
 * each its `$n` (its position there): the text depends only on the entities' kinds, in
 * order, never on their values.
 */
export function insertsOf(em: EntityManager, entities: Iterable<object>, values: unknown[], guard?: string): string[] {
  return [...entities].map((entity, i) => `w${i} as (${insertOf(em, em.getMetadata().get(entity.constructor.name), entity, values, guard)})`);
}

/** A column an insert may write: its property, its quoted name, whether a default fills it when unset. */
interface Column {
  prop: EntityProperty;
  name: string;
  defaulted: boolean;
}

/** Each entity kind's columns, found once: the properties never change once the ORM is up. */
const columnsByMeta = new WeakMap<EntityMetadata, Column[]>();

function columnsOf(platform: Platform, meta: EntityMetadata): Column[] {
  let columns = columnsByMeta.get(meta);
  if (!columns) {
    columns = meta.props
      .filter((prop) => prop.persist !== false && (prop.kind === ReferenceKind.SCALAR || prop.kind === ReferenceKind.MANY_TO_ONE))
      .map((prop) => ({ prop, name: platform.quoteIdentifier(prop.fieldNames[0]), defaulted: prop.default !== undefined || prop.defaultRaw !== undefined }));
    columnsByMeta.set(meta, columns);
  }
  return columns;
}

/**
 * Insert texts by shape, per entity kind (its metadata: which defaulted columns are left to
 * their default, where its marks start, the guard): every create of a kind has one of a few
 * shapes, and building the text again at each (the properties walked, each name quoted, the
 * marks numbered) cost ~12 µs of crm-api's CPU per create (docs/benchmarks.md). Bounded:
 * past this many shapes a text is built and not kept.
 */
const MAX_INSERT_SHAPES = 500;
const insertTexts = new WeakMap<EntityMetadata, Map<string, string>>();
let insertShapes = 0;

/** One insert of `entity`'s columns; its values are appended to `values`. */
function insertOf(em: EntityManager, meta: EntityMetadata, entity: object, values: unknown[], guard?: string): string {
  const platform = em.getPlatform();
  const columns = columnsOf(platform, meta);
  const first = values.length + 1;
  // Which columns are written ('1') or left to their default ('0'): with the rest of the
  // key, all the text depends on.
  let written = '';
  for (const column of columns) {
    let value = (entity as Record<string, unknown>)[column.prop.name];
    if (value === undefined) {
      // Unset: a column with a default is left to it; any other is null, as its (absent)
      // default would make it. So the columns, and the statement's text, are the same
      // for every entity of a kind (one named statement), whichever values are unset.
      if (column.defaulted) {
        written += '0';
        continue;
      }
      value = null;
    }
    written += '1';
    values.push(columnValue(platform, column.prop, value));
  }
  let texts = insertTexts.get(meta);
  if (!texts) insertTexts.set(meta, (texts = new Map<string, string>()));
  const key = `${written}\0${first}\0${guard ?? ''}`;
  let text = texts.get(key);
  if (text === undefined) {
    const names = columns.filter((_, i) => written[i] === '1').map((c) => c.name);
    const marks = names.map((_, i) => `$${first + i}`);
    const head = `insert into ${tableOf(em, meta)} (${names.join(', ')})`;
    text = guard ? `${head} select ${marks.join(', ')} where ${guard} returning 1` : `${head} values (${marks.join(', ')}) returning 1`;
    if (insertShapes < MAX_INSERT_SHAPES) {
      texts.set(key, text);
      insertShapes++;
    }
  }
  return text;
}

/** A property's value as its column takes it: a reference's id (mapToPk keeps the id itself; an entity or Reference gives its id), a custom type converted. */
export function columnValue(platform: Platform, prop: EntityProperty, value: unknown): Knex.RawBinding {
  if (prop.kind === ReferenceKind.MANY_TO_ONE && value !== null && typeof value === 'object') return helper(value).getPrimaryKey() as string;
  return (prop.customType && value !== null ? prop.customType.convertToDatabaseValue(value, platform, { mode: 'query' }) : value) as Knex.RawBinding;
}

export function tableOf(em: EntityManager, meta: EntityMetadata): string {
  return em.getPlatform().quoteIdentifier(meta.schema ? `${meta.schema}.${meta.tableName}` : meta.tableName);
}
