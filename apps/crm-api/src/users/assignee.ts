import type { Assignee } from '@app/contracts';
import type { UsersRepository } from './users.repository';

/**
 * The `field`, `old_value` and `new_value` of a `*.reassigned` event: both users with
 * their names (one query), so the logger never calls back into crm-api. An id with no
 * user cannot commit (the foreign key refuses it), so the placeholder name never reaches
 * the outbox.
 */
export async function reassignment<F extends string>(users: UsersRepository, field: F, from: string | null, to: string | null) {
  const names = await users.names([from, to].filter((id): id is string => id !== null));
  const assignee = (id: string | null): Assignee => (id === null ? null : { id, name: names.get(id) ?? 'unknown user' });
  return { field, old_value: assignee(from), new_value: assignee(to) };
}
