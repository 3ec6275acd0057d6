import { z } from 'zod';
import { RequiredText } from '../common/fields';
import { listQuery } from '../common/pagination';
import { ROLES } from '../common/request-context';
import { RecordViewShape } from '../common/views';
import { recordView } from '../common/record.entity';
import type { User } from './user.entity';


export const CreateUserDto = z.strictObject({
  email: z.email({ message: 'must be an email address' }).max(254).transform((v) => v.toLowerCase()),
  password: z.string().min(8, 'must be at least 8 characters').max(1024),
  name: RequiredText(),
  role: z.enum(ROLES).default('sales_rep'),
});
export type CreateUserDto = z.output<typeof CreateUserDto>;

export const UserListQuery = listQuery({ role: z.enum(ROLES).optional() });
export type UserListQuery = z.output<typeof UserListQuery>;

export const UserView = z.object({
  ...RecordViewShape,
  email: z.email(),
  name: z.string(),
  role: z.enum(ROLES),
});

/** What a user who is not an admin sees of the others: who they are, not how to reach or rank them. */
export const UserNameView = z.object({ id: z.uuid(), name: z.string() });

export function toUserNameView(u: User): z.infer<typeof UserNameView> {
  return { id: u.id, name: u.name };
}

/** Never the password hash. */
export function toUserView(u: User): z.infer<typeof UserView> {
  return { ...recordView(u), email: u.email, name: u.name, role: u.role };
}
