import { EntityManager, EntityName, FilterQuery, LockMode } from '@mikro-orm/postgresql';
import { DomainError } from './domain-error';

/**
 * A record by id, or a 404. With `lock`, the row is held (SELECT ... FOR UPDATE) until
 * the transaction ends, so two concurrent changes of one record are applied one after
 * the other and each event's old_value is the value it really replaced.
 */
export async function findOr404<T extends object>(
  em: EntityManager,
  entity: EntityName<T>,
  id: string,
  what: string,
  lock = false,
): Promise<T> {
  const found = await em.findOne(entity, { id } as FilterQuery<T>, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
  if (!found) throw DomainError.notFound(what, id);
  return found;
}

/** Deletes by id, or a 404. References to it are cleared by the database (on delete set null). */
export async function deleteOr404<T extends object>(em: EntityManager, entity: EntityName<T>, id: string, what: string): Promise<void> {
  const count = await em.nativeDelete(entity, { id } as FilterQuery<T>);
  if (count === 0) throw DomainError.notFound(what, id);
}
