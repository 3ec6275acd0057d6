import { z } from 'zod';
import { isStorableText } from '../common/fields';

export const LoginDto = z.strictObject({
  // Looked up in the database: text it cannot take (a NUL breaks the wire protocol) is refused by name.
  email: z.string().trim().min(1, 'required').max(254).refine(isStorableText, 'must not contain NUL characters or unpaired surrogates'),
  password: z.string().min(1, 'required').max(1024),
});
export type LoginDto = z.output<typeof LoginDto>;

export const TokenView = z.object({ token: z.string().describe('send as `Authorization: Bearer <token>`') });
