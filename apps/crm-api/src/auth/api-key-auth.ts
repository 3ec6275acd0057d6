import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { hashSecret, KEY_SHAPE } from '../api-keys/secret';
import { DomainError } from '../common/domain-error';
import type { Caller, Role } from '../common/request-context';

/** `last_used_at` is written at most this often per key: a date for people, not a write per request. */
export const LAST_USED_EVERY_SECONDS = 60;

const REFUSED = 'unknown or revoked API key: ask an admin for a new one (POST /api/api-keys/)';

/**
 * The caller an API key stands for: one statement per request, no cache, so a revoked
 * key is refused from the next request on, on every replica. The same statement marks
 * the key used when its `last_used_at` is over a minute old; otherwise it writes nothing.
 */
@Injectable()
export class ApiKeyAuth {
  constructor(private readonly em: EntityManager) {}

  async authenticate(token: string): Promise<Caller> {
    // Not our shape: refused without a query (and never echoed: it may be a real secret mistyped).
    if (!KEY_SHAPE.test(token)) throw DomainError.unauthorized(REFUSED);
    const rows = await this.em.getConnection().execute<{ key_id: string; scopes: string[]; id: string; name: string; email: string; role: Role }[]>(
      `with k as (
         select k.id as key_id, k.scopes, k.last_used_at, u.id, u.name, u.email, u.role
         from crm.api_keys k join crm.users u on u.id = k.user_id
         where k.secret_hash = ? and k.revoked_at is null and u.disabled_at is null
       ), touched as (
         update crm.api_keys set last_used_at = now()
         where id in (select key_id from k where last_used_at is null or last_used_at < now() - make_interval(secs => ?))
       )
       select key_id, scopes, id, name, email, role from k`,
      [hashSecret(token), LAST_USED_EVERY_SECONDS],
    );
    if (!rows.length) throw DomainError.unauthorized(REFUSED);
    const r = rows[0];
    return { id: r.id, name: r.name, email: r.email, role: r.role, kind: 'api_key', apiKeyId: r.key_id, scopes: r.scopes };
  }
}
