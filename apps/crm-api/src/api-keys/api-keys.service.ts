import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { hashPassword } from '../auth/password';
import { SessionsService } from '../auth/sessions.service';
import { DomainError } from '../common/domain-error';
import { findPage, Page } from '../common/pagination';
import type { RequestCtx } from '../common/request-context';
import { ApiConfig } from '../config/api.config';
import { User } from '../users/user.entity';
import { CreateApiKeyDto, ApiKeyListQuery } from './api-key.dto';
import { ApiKey } from './api-key.entity';
import { normalizeScopes, roleOf } from './scopes';
import { hashSecret, hintOf, newSecret } from './secret';

/** Serializes key creations, so the count of active keys and the name check hold when two race. */
const CREATE_LOCK = 'crm.api_keys create';

/**
 * API keys (docs/decisions.md, "API keys"): each is a service user of its own, created
 * with it, so the Policy, the records' owners and the feed treat a key as they treat a
 * person. The secret is answered once and only its SHA-256 is kept.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly em: EntityManager,
    private readonly sessions: SessionsService,
    private readonly config: ApiConfig,
  ) {}

  list(query: ApiKeyListQuery): Promise<Page<ApiKey>> {
    return findPage(this.em, ApiKey, {}, { limit: query.limit, cursor: query.cursor });
  }

  /** A new key and its service user, in one transaction; the secret leaves only through the answer. */
  async create(input: CreateApiKeyDto, ctx: RequestCtx): Promise<{ key: ApiKey; secret: string }> {
    const secret = newSecret();
    const scopes = normalizeScopes(input.scopes);
    // The hash of a password nobody knows (sign-in refuses service users anyway): every
    // stored hash stays a real scrypt hash, and none matches anything.
    const passwordHash = await hashPassword(randomBytes(32).toString('hex'));
    const key = await this.em.transactional(async (tx) => {
      await tx.getConnection().execute('select pg_advisory_xact_lock(hashtext(?))', [CREATE_LOCK], 'all', tx.getTransactionContext());
      const active = await tx.count(ApiKey, { revokedAt: null });
      if (active >= this.config.API_KEYS_MAX) {
        throw DomainError.conflict(`at most ${this.config.API_KEYS_MAX} active API keys (API_KEYS_MAX): revoke one first`);
      }
      if (await tx.count(ApiKey, { revokedAt: null, name: { $ilike: likeLiteral(input.name) } })) {
        throw DomainError.conflict(`name: an active API key is already called "${input.name}"`);
      }
      const now = new Date();
      const userId = randomUUID();
      tx.create(User, {
        id: userId,
        kind: 'service',
        name: input.name,
        role: roleOf(scopes),
        // Reserved for documentation (RFC 2606): never a mailbox; unique per key.
        email: `api-key-${userId}@service.invalid`,
        passwordHash,
        createdById: ctx.caller.id,
        createdAt: now,
        updatedAt: now,
      });
      // The key refers to its user by a plain column, which the unit of work does not order by: the user first.
      await tx.flush();
      return tx.create(ApiKey, {
        name: input.name,
        scopes,
        ...hintOf(secret),
        secretHash: hashSecret(secret),
        userId,
        createdById: ctx.caller.id,
        createdAt: now,
        updatedAt: now,
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
    const key = await this.em.findOne(ApiKey, { id });
    if (!key) throw DomainError.notFound('API key', id);
    if (key.revokedAt) return;
    const now = new Date();
    await this.em.transactional(async (tx) => {
      await tx.nativeUpdate(ApiKey, { id, revokedAt: null }, { revokedAt: now, updatedAt: now });
      await tx.nativeUpdate(User, { id: key.userId, disabledAt: null }, { disabledAt: now, updatedAt: now });
    });
    await this.sessions.endAllOf(key.userId);
  }
}

/** `name` as an ILIKE pattern that matches only itself (case aside). */
function likeLiteral(name: string): string {
  return name.replace(/[\\%_]/g, (c) => `\\${c}`);
}
