import { EntityClass, EntityManager, RequiredEntityData } from '@mikro-orm/postgresql';
import type { Access } from '../auth/record-access';
import { readableWhere } from '../auth/record-access';
import type { CrmRecord } from './record.entity';
import { insertNew, newEntity } from './insert-new';
import { findPage, Page, PageRequest } from './pagination';
import { Changes, deleteOr404, findOr404, updateOr404 } from './records';

/**
 * The data access of one kind of CRM record, written once: services call these typed
 * methods and never hold an EntityManager. The EntityManager Nest injects resolves to
 * the current context by itself (the request's; inside `change` or `changeLocked`, that
 * unit of work's), so what `add` and the outbox's events persist there commits together;
 * inside `insertNew`'s build, both add to its one statement instead.
 */
export abstract class RecordRepository<T extends CrmRecord> {
  protected constructor(
    protected readonly em: EntityManager,
    private readonly entity: EntityClass<T>,
    /** How a 404 names the record ("lead"). */
    readonly what: string,
  ) {}

  /** Newest first, keyset-paged (common/pagination.ts); with `access`, only the records the caller reads. */
  page(where: Record<string, unknown>, page: PageRequest, access?: Access): Promise<Page<T>> {
    return findPage(this.em, this.entity, { ...where, ...(access ? readableWhere(access) : {}) }, page);
  }

  /** The record, or a 404 (also when `access` says the caller may not read it). */
  get(id: string, access?: Access): Promise<T> {
    return findOr404(this.em, this.entity, id, this.what, false, access);
  }

  /** A new record: inside `insertNew`'s build, written by its one statement; elsewhere in the current unit of work (written with the rest of it). */
  add(data: RequiredEntityData<T>): T {
    const added = newEntity(this.entity, data);
    if (added) return added;
    const record = this.em.create(this.entity, data);
    this.em.persist(record);
    return record;
  }

  /** Runs `build` (which only adds new records and events) and writes all it added in one statement (common/insert-new.ts). */
  insertNew<R>(build: () => R): Promise<R> {
    return insertNew(this.em, build);
  }

  /** As `insertNew`, written only if the record `id` of this kind exists, checked in the same statement (else a 404). */
  insertNewIfExists<R>(id: string, build: () => R): Promise<R> {
    return insertNew(this.em, build, { entity: this.entity, id, what: this.what });
  }

  /** A PATCH, with `emit` run when something changed; its events are written with the change (common/records.ts). */
  change(id: string, patch: { [K in keyof T]?: T[K] }, emit: (record: T, changes: Changes<T>) => unknown, access?: Access, ifMatch?: string[] | '*'): Promise<T> {
    return updateOr404(this.em, this.entity, id, this.what, patch, emit, access, ifMatch);
  }

  /** Deletes under FOR UPDATE, `describe` (its event) run in the same transaction. */
  remove(id: string, describe: (record: T) => void, access?: Access): Promise<void> {
    return deleteOr404(this.em, this.entity, id, this.what, (_tx, record) => describe(record), access);
  }

  /**
   * One transaction: the record held FOR UPDATE (a 404, or a 403 for `access.write`),
   * then `work`, whose changes of it and whatever it adds are flushed at the commit.
   */
  changeLocked<R>(id: string, access: Access & { write: string }, work: (record: T) => Promise<R> | R): Promise<R> {
    return this.em.transactional(async (tx) => work(await findOr404(tx, this.entity, id, this.what, true, access)));
  }
}
