import { Entity, Opt, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/**
 * What every CRM record has. References to other records are plain uuid columns
 * (the database enforces them): the API answers ids, and no write needs to load the
 * rows it points at. Timestamps are set by the app at millisecond precision, which
 * `timestamptz(3)` keeps exactly, so the keyset cursor compares what the client saw.
 */
@Entity({ abstract: true })
export abstract class CrmRecord {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'datetime', columnType: 'timestamptz(3)' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', columnType: 'timestamptz(3)' })
  updatedAt: Date & Opt = new Date();

  @Property({ type: 'uuid', nullable: true })
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
