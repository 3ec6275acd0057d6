import { EntityManager } from '@mikro-orm/postgresql';
import type { Assignee } from '@app/contracts';
import { User } from './user.entity';

/**
 * The `field`, `old_value` and `new_value` of a `*.reassigned` event: both users with
 * their names (one query), so the logger never calls back into crm-api. An id with no
 * user cannot commit (the foreign key refuses it), so the placeholder name never reaches
 * the outbox.
 */
export async function reassignment<F extends string>(em: EntityManager, field: F, from: string | null, to: string | null) {
  const ids = [from, to].filter((id): id is string => id !== null);
  const users = ids.length ? await em.find(User, { id: { $in: ids } }, { fields: ['name'] }) : [];
  const assignee = (id: string | null): Assignee => (id === null ? null : { id, name: users.find((u) => u.id === id)?.name ?? 'unknown user' });
  return { field, old_value: assignee(from), new_value: assignee(to) };
}
