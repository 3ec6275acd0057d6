import { z } from 'zod';
import { RequiredText } from '../common/fields';
import { listQuery } from '../common/pagination';
import { recordView } from '../common/record.entity';
import type { ApiKey } from './api-key.entity';
import { SCOPES } from './scopes';

export const CreateApiKeyDto = z.strictObject({
  name: RequiredText(100).describe('who uses the key, e.g. "Web form": its service user has this name in the feed'),
  scopes: z
    .array(z.enum(SCOPES, { message: `must be one of ${SCOPES.join(', ')}` }))
    .min(1, 'give at least one scope')
    .max(SCOPES.length)
    .refine((s) => new Set(s).size === s.length, 'each scope once')
    .describe('`read` (every key reads), `write` (any non-GET request), `admin` (acts as an admin rather than a sales rep)'),
});
export type CreateApiKeyDto = z.output<typeof CreateApiKeyDto>;

export const ApiKeyListQuery = listQuery({});
export type ApiKeyListQuery = z.output<typeof ApiKeyListQuery>;

/** A key as listed: never its secret, nor its hash. */
export const ApiKeyView = z.object({
  id: z.uuid(),
  created_at: z.string(),
  updated_at: z.string(),
  created_by: z.uuid().nullable(),
  name: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  hint: z.string().describe('the start and end of the secret (`crmk_AbCd…wxyz`), to recognise it'),
  user: z.uuid().describe('the service user the key acts as: its writes are attributed to it'),
  last_used_at: z.string().nullable().describe('to the minute: not rewritten on every request'),
  revoked_at: z.string().nullable(),
});

/** The answer to a creation: the one time the secret is shown. */
export const CreatedApiKeyView = ApiKeyView.extend({
  secret: z.string().describe('send as `Authorization: Bearer <secret>`; shown only now, stored only as a hash'),
});

export function toApiKeyView(k: ApiKey): z.infer<typeof ApiKeyView> {
  return {
    ...recordView(k),
    name: k.name,
    scopes: k.scopes,
    hint: `${k.prefix}…${k.last4}`,
    user: k.userId,
    last_used_at: k.lastUsedAt?.toISOString() ?? null,
    revoked_at: k.revokedAt?.toISOString() ?? null,
  };
}
