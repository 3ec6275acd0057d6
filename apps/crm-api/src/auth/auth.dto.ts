import { z } from 'zod';

export const LoginDto = z.strictObject({
  email: z.string().trim().min(1, 'required').max(254),
  password: z.string().min(1, 'required').max(1024),
});
export type LoginDto = z.output<typeof LoginDto>;

export const TokenView = z.object({ token: z.string().describe('send as `Authorization: Bearer <token>`') });
