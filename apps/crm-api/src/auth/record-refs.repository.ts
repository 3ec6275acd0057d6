import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { RecordKind, TABLES } from './policy';

/** What the Policy decides a write on: the record's id and the columns that make it someone's. */
export type OwnedRow = { id: string; createdById: string | null; ownerId?: string | null; assignedToId?: string | null };

/**
 * The records a write refers to, as the Policy's checks need them (record-access.ts).
 * `readableSql` is the Policy's own subquery of the ids a caller reads (policy.ts, ids
 * inlined after a UUID check), or null when the caller reads every record.
 */
@Injectable()
export class RecordRefsRepository {
  constructor(private readonly em: EntityManager) {}

  /** Whether the record exists among those `readableSql` lets the caller read. */
  async readableExists(kind: RecordKind, id: string, readableSql: string | null): Promise<boolean> {
    const rows = await this.em.execute(`select 1 from ${TABLES[kind]} where id = ?${readableSql ? ` and id in (${readableSql})` : ''}`, [id]);
    return rows.length > 0;
  }

  /** The record's owning columns when it exists and the caller reads it, else null. */
  async owned(kind: RecordKind, id: string, readableSql: string | null): Promise<OwnedRow | null> {
    const owner = kind === 'opportunity' ? 'owner_id as "ownerId"' : kind === 'lead' || kind === 'task' ? 'assigned_to_id as "assignedToId"' : 'null as "none"';
    const rows = await this.em.execute<OwnedRow[]>(
      `select id, created_by_id as "createdById", ${owner} from ${TABLES[kind]} where id = ?${readableSql ? ` and id in (${readableSql})` : ''}`,
      [id],
    );
    return rows[0] ?? null;
  }
}
