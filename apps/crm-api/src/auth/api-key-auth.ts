import { Injectable } from '@nestjs/common';
import { ApiKeysRepository } from '../api-keys/api-keys.repository';
import { hashSecret, KEY_SHAPE } from '../api-keys/secret';
import { DomainError } from '../common/domain-error';
import type { Caller } from '../common/request-context';

/** `last_used_at` is written at most this often per key: a date for people, not a write per request. */
export const LAST_USED_EVERY_SECONDS = 60;

const REFUSED = 'unknown or revoked API key: ask an admin for a new one (POST /api/api-keys/)';

/**
 * The caller an API key stands for: one statement per request (ApiKeysRepository.useByHash),
 * no cache, so a revoked key is refused from the next request on, on every replica. The
 * same statement marks the key used when its `last_used_at` is over a minute old.
 */
@Injectable()
export class ApiKeyAuth {
  constructor(private readonly keys: ApiKeysRepository) {}

  async authenticate(token: string): Promise<Caller> {
    // Not our shape: refused without a query (and never echoed: it may be a real secret mistyped).
    if (!KEY_SHAPE.test(token)) throw DomainError.unauthorized(REFUSED);
    const found = await this.keys.useByHash(hashSecret(token), LAST_USED_EVERY_SECONDS);
    if (!found) throw DomainError.unauthorized(REFUSED);
    return { id: found.id, name: found.name, email: found.email, role: found.role, kind: 'api_key', apiKeyId: found.keyId, scopes: found.scopes };
  }
}
