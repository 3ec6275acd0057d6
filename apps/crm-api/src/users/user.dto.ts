import { z } from 'zod';
import { RequiredText } from '../common/fields';
import { listQuery } from '../common/pagination';
import { RecordViewShape } from '../common/views';
import { recordView } from '../common/record.entity';
import type { User } from './user.entity';

export const ROLES = ['admin', 'sales_rep'] as const;

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

/** Never the password hash. */
export function toUserView(u: User): z.infer<typeof UserView> {
  return { ...recordView(u), email: u.email, name: u.name, role: u.role };
}
