import { EntityManager } from '@mikro-orm/postgresql';
import type { Assignee } from '@app/contracts';
import { User } from './user.entity';

/**
 * A user id as the reassignment events carry it: with the name, so the logger never
 * calls back into crm-api. An id with no user cannot commit (the foreign key refuses
 * it), so the placeholder name never reaches the outbox.
 */
export async function assigneeOf(em: EntityManager, id: string | null): Promise<Assignee> {
  if (id === null) return null;
  const user = await em.findOne(User, { id }, { fields: ['name'] });
  return { id, name: user?.name ?? 'unknown user' };
}

/** The `field`, `old_value` and `new_value` of a `*.reassigned` event. */
export async function reassignment<F extends string>(em: EntityManager, field: F, from: string | null, to: string | null) {
  return { field, old_value: await assigneeOf(em, from), new_value: await assigneeOf(em, to) };
}
