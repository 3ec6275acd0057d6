import { z } from 'zod';
import { passwordProblem } from '../auth/password-rules';
import { RequiredText } from '../common/fields';
import { listQuery } from '../common/pagination';
import { ROLES } from '../common/request-context';
import { RecordViewShape } from '../common/views';
import { recordView } from '../common/record.entity';
import { USER_KINDS, type User } from './user.entity';

/** Every password set anywhere: 8 to 1024 characters, then the rules of auth/password-rules.ts. */
const Password = z.string().min(8, 'must be at least 8 characters').max(1024);

/** A zod check of `password` against the account it is for (its email and name). */
const passwordRules =
  <F extends string, T extends Record<F, string>>(field: F, account: (v: T) => { email?: string; name?: string }) =>
  (v: T, ctx: z.RefinementCtx) => {
    const problem = passwordProblem(v[field], account(v));
    if (problem) ctx.addIssue({ code: 'custom', path: [field], message: problem });
  };

export const CreateUserDto = z
  .strictObject({
    email: z
      .email({ message: 'must be an email address' })
      .max(254)
      .transform((v) => v.toLowerCase()),
    password: Password,
    name: RequiredText(),
    role: z.enum(ROLES).default('sales_rep'),
  })
  .superRefine(passwordRules('password', (v) => v));
export type CreateUserDto = z.output<typeof CreateUserDto>;

/** What an admin changes of a user: the role (takes effect on the next request), disabling (ends every session). */
export const UpdateUserDto = z
  .strictObject({
    role: z.enum(ROLES).optional(),
    disabled: z.boolean({ message: 'must be true or false' }).optional(),
  })
  .refine((v) => v.role !== undefined || v.disabled !== undefined, { message: 'send role and/or disabled' });
export type UpdateUserDto = z.output<typeof UpdateUserDto>;

/** An admin's reset: the user's sessions all end. Checked against the user's email and name by the service. */
export const ResetPasswordDto = z.strictObject({ password: Password });
export type ResetPasswordDto = z.output<typeof ResetPasswordDto>;

/** A user's own change: the current password, then the new one; their other sessions end. */
export const ChangePasswordDto = z.strictObject({ current_password: z.string().min(1, 'required').max(1024), new_password: Password });
export type ChangePasswordDto = z.output<typeof ChangePasswordDto>;

export const UserListQuery = listQuery({ role: z.enum(ROLES).optional(), kind: z.enum(USER_KINDS).optional() });
export type UserListQuery = z.output<typeof UserListQuery>;

export const UserView = z.object({
  ...RecordViewShape,
  email: z.email(),
  name: z.string(),
  role: z.enum(ROLES),
  kind: z.enum(USER_KINDS).describe('`service`: the user an API key acts as (named after the key; no password)'),
  disabled: z.boolean(),
});

/** What a user who is not an admin sees of the others: who they are, not how to reach or rank them. */
export const UserNameView = z.object({ id: z.uuid(), name: z.string() });

export function toUserNameView(u: User): z.infer<typeof UserNameView> {
  return { id: u.id, name: u.name };
}

/** Never the password hash. */
export function toUserView(u: User): z.infer<typeof UserView> {
  return { ...recordView(u), email: u.email, name: u.name, role: u.role, kind: u.kind, disabled: u.disabledAt !== null };
}
