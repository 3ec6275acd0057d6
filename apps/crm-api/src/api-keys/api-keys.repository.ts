import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { findPage, Page, PageRequest } from '../common/pagination';
import type { Role } from '../common/request-context';
import { User } from '../users/user.entity';
import { ApiKey } from './api-key.entity';
import type { Scope } from './scopes';

/** Serializes key creations, so the count of active keys and the name check hold when two race. */
const CREATE_LOCK = 'crm.api_keys create';

/** The service user an unrevoked key stands for, found by its secret's hash. */
export interface KeyUser {
  keyId: string;
  scopes: Scope[];
  id: string;
  name: string;
  email: string;
  role: Role;
}

/** A new key and the service user it acts as. */
export interface NewKey {
  name: string;
  scopes: Scope[];
  role: Role;
  prefix: string;
  last4: string;
  secretHash: string;
  passwordHash: string;
  createdById: string;
}

/**
 * crm.api_keys and the service users they own (api-keys.service.ts holds the rules).
 * Methods run in the transaction of `serialized` when called inside it: the EntityManager
 * they use resolves to the transaction's.
 */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly em: EntityManager) {}

  page(page: PageRequest): Promise<Page<ApiKey>> {
    return findPage(this.em, ApiKey, {}, page);
  }

  findById(id: string): Promise<ApiKey | null> {
    return this.em.findOne(ApiKey, { id });
  }

  /**
   * Runs `work` in one transaction holding the creation lock: two creations take turns,
   * so what `work` counts still holds when it inserts.
   */
  serialized<T>(work: () => Promise<T>): Promise<T> {
    return this.em.transactional(async () => {
      await this.em.execute('select pg_advisory_xact_lock(hashtext(?))', [CREATE_LOCK]);
      return work();
    });
  }

  /** Unrevoked keys, all of them or those whose name equals `name` case aside. */
  countActive(name?: string): Promise<number> {
    return this.em.count(ApiKey, { revokedAt: null, ...(name !== undefined && { name: { $ilike: likeLiteral(name) } }) });
  }

  /** The key and its service user, both written by the time this returns. */
  async insertWithUser(input: NewKey): Promise<ApiKey> {
    const now = new Date();
    const userId = randomUUID();
    this.em.create(User, {
      id: userId,
      kind: 'service',
      name: input.name,
      role: input.role,
      // Reserved for documentation (RFC 2606): never a mailbox; unique per key.
      email: `api-key-${userId}@service.invalid`,
      passwordHash: input.passwordHash,
      createdById: input.createdById,
      createdAt: now,
      updatedAt: now,
    });
    // The user first, written before the key is built (the key's relation would order them too).
    await this.em.flush();
    const key = this.em.create(ApiKey, {
      name: input.name,
      scopes: input.scopes,
      prefix: input.prefix,
      last4: input.last4,
      secretHash: input.secretHash,
      userId,
      createdById: input.createdById,
      createdAt: now,
      updatedAt: now,
    });
    await this.em.flush();
    return key;
  }

  /** Marks the key revoked and its service user disabled, together; a revoked key stays as it was. */
  async revoke(key: Pick<ApiKey, 'id' | 'userId'>): Promise<void> {
    const now = new Date();
    await this.em.transactional(async () => {
      await this.em.nativeUpdate(ApiKey, { id: key.id, revokedAt: null }, { revokedAt: now, updatedAt: now });
      await this.em.nativeUpdate(User, { id: key.userId, disabledAt: null }, { disabledAt: now, updatedAt: now });
    });
  }

  /**
   * The user of the unrevoked key whose secret hashes to `secretHash` (its user enabled),
   * or null. The same statement marks the key used when its `last_used_at` is older than
   * `touchEverySeconds`; otherwise it writes nothing.
   */
  async useByHash(secretHash: string, touchEverySeconds: number): Promise<KeyUser | null> {
    const rows = await this.em.execute<{ key_id: string; scopes: Scope[]; id: string; name: string; email: string; role: Role }[]>(
      `with k as (
         select k.id as key_id, k.scopes, k.last_used_at, u.id, u.name, u.email, u.role
         from crm.api_keys k join crm.users u on u.id = k.user_id
         where k.secret_hash = ? and k.revoked_at is null and u.disabled_at is null
       ), touched as (
         update crm.api_keys set last_used_at = now()
         where id in (select key_id from k where last_used_at is null or last_used_at < now() - make_interval(secs => ?))
       )
       select key_id, scopes, id, name, email, role from k`,
      [secretHash, touchEverySeconds],
    );
    if (!rows.length) return null;
    const r = rows[0];
    return { keyId: r.key_id, scopes: r.scopes, id: r.id, name: r.name, email: r.email, role: r.role };
  }

  /** The role of each of `ids` that is an unrevoked key of an enabled user; the others are absent. */
  async liveRoles(ids: string[]): Promise<Map<string, Role>> {
    if (!ids.length) return new Map();
    const rows = await this.em.execute<{ id: string; role: Role }[]>(
      `select k.id, u.role from crm.api_keys k join crm.users u on u.id = k.user_id
       where k.id in (${ids.map(() => '?').join(', ')}) and k.revoked_at is null and u.disabled_at is null`,
      ids,
    );
    return new Map(rows.map((r) => [r.id, r.role]));
  }
}

/** `name` as an ILIKE pattern that matches only itself (case aside). */
function likeLiteral(name: string): string {
  return name.replace(/[\\%_]/g, (c) => `\\${c}`);
}
