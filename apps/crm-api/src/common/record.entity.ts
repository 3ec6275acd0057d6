import { Entity, Index, ManyToOne, Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/**
 * A reference to another record, as the migrations define it: a real relation (the unit
 * of work orders inserts by it, and the schema check compares its foreign key), mapped
 * to the id (`mapToPk`), so the property is the uuid the API answers and events carry,
 * and no write loads the row it points at. `on update no action` and, unless said,
 * `on delete set null`: a deleted record leaves the ones that named it in place.
 */
export function RecordRef(entity: string, column: string, options: { nullable?: boolean; deleteRule?: 'set null' | 'no action' } = {}) {
  return ManyToOne(entity, {
    mapToPk: true,
    fieldName: column,
    nullable: options.nullable ?? true,
    deleteRule: options.deleteRule ?? 'set null',
    updateRule: 'no action',
  });
}

/**
 * A list's indexes, as migration 20261127000100 makes them: (created_at desc, id desc)
 * for the keyset pages, alone and after each filter column, plus one on `created_by_id`
 * (migration 20261202000100) where the rows have owners. Declared so the schema check
 * knows them (MikroORM cannot express a descending column but by the expression).
 */
export function ListIndexes(table: string, filters: string[], createdBy = true): ClassDecorator {
  const at = `"crm"."${table}"`;
  const indexes = [
    { name: `${table}_created_idx`, expression: `create index "${table}_created_idx" on ${at} ("created_at" desc, "id" desc)` },
    ...filters.map((c) => ({ name: `${table}_${c}_idx`, expression: `create index "${table}_${c}_idx" on ${at} ("${c}", "created_at" desc, "id" desc)` })),
    ...(createdBy ? [{ name: `${table}_created_by_id_idx`, expression: `create index "${table}_created_by_id_idx" on ${at} ("created_by_id")` }] : []),
  ];
  return (target) => {
    for (const index of indexes) Index(index)(target);
  };
}

/** A `timestamptz(3)` the database defaults to now(); the app sets it itself, to the millisecond. */
export const Timestamp = () => Property({ type: 'datetime', columnType: 'timestamptz(3)', defaultRaw: 'now()' });

/**
 * What every CRM record has. Timestamps are set by the app at millisecond precision,
 * which `timestamptz(3)` keeps exactly, so the keyset cursor compares what the client saw.
 */
@Entity({ abstract: true })
export abstract class CrmRecord {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Timestamp()
  createdAt: Date & Opt = new Date();

  @Timestamp()
  updatedAt: Date & Opt = new Date();

  @RecordRef('User', 'created_by_id')
  createdById: string | null = null;
}

/** The fields every record answers. */
export function recordView(r: CrmRecord) {
  return {
    id: r.id,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
    created_by: r.createdById,
  };
}
