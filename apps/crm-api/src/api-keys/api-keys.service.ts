import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hashPassword } from '../auth/password';
import { SessionsService } from '../auth/sessions.service';
import { DomainError } from '../common/domain-error';
import { Page } from '../common/pagination';
import type { RequestCtx } from '../common/request-context';
import { ApiConfig } from '../config/api.config';
import { CreateApiKeyDto, ApiKeyListQuery } from './api-key.dto';
import { ApiKey } from './api-key.entity';
import { ApiKeysRepository } from './api-keys.repository';
import { normalizeScopes, roleOf } from './scopes';
import { hashSecret, hintOf, newSecret } from './secret';

/**
 * API keys (docs/decisions.md, "API keys"): each is a service user of its own, created
 * with it, so the Policy, the records' owners and the feed treat a key as they treat a
 * person. The secret is answered once and only its SHA-256 is kept.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly sessions: SessionsService,
    private readonly config: ApiConfig,
  ) {}

  list(query: ApiKeyListQuery): Promise<Page<ApiKey>> {
    return this.keys.page({ limit: query.limit, cursor: query.cursor });
  }

  /** A new key and its service user, in one transaction; the secret leaves only through the answer. */
  async create(input: CreateApiKeyDto, ctx: RequestCtx): Promise<{ key: ApiKey; secret: string }> {
    const secret = newSecret();
    const scopes = normalizeScopes(input.scopes);
    // The hash of a password nobody knows (sign-in refuses service users anyway): every
    // stored hash stays a real scrypt hash, and none matches anything.
    const passwordHash = await hashPassword(randomBytes(32).toString('hex'));
    const key = await this.keys.serialized(async () => {
      if ((await this.keys.countActive()) >= this.config.API_KEYS_MAX) {
        throw DomainError.conflict(`at most ${this.config.API_KEYS_MAX} active API keys (API_KEYS_MAX): revoke one first`);
      }
      if (await this.keys.countActive(input.name)) {
        throw DomainError.conflict(`name: an active API key is already called "${input.name}"`);
      }
      return this.keys.insertWithUser({
        name: input.name,
        scopes,
        role: roleOf(scopes),
        ...hintOf(secret),
        secretHash: hashSecret(secret),
        passwordHash,
        createdById: ctx.caller.id,
      });
    });
    return { key, secret };
  }

  /**
   * Revokes a key: the key and its service user are refused from the next request on, on
   * every replica (each request looks its key up), and its open streams end (a NOTIFY,
   * as for a disabled user). Revoking a revoked key changes nothing.
   */
  async revoke(id: string): Promise<void> {
    const key = await this.keys.findById(id);
    if (!key) throw DomainError.notFound('API key', id);
    if (key.revokedAt) return;
    await this.keys.revoke(key);
    await this.sessions.endAllOf(key.userId);
  }
}
