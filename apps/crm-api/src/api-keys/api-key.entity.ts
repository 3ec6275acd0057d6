import { ArrayType, Check, Entity, Index, Opt, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { RecordRef } from '../common/record.entity';
import type { Scope } from './scopes';

/**
 * An integration's key: only the SHA-256 of its secret is kept (docs/decisions.md, "API keys").
 *
 * Declared column by column as migration 20261203000200 makes crm.api_keys, so the schema
 * check (test/e2e/schema-diff) compares it like the other tables. It has a CrmRecord's
 * fields (recordView answers them) but not CrmRecord's declarations, which that migration
 * does not match: its timestamps have no default and its `created_by_id` has no
 * `on delete` rule (no action: a user who created keys cannot be deleted under them).
 */
@Entity({ schema: 'crm', tableName: 'api_keys' })
@Unique({ properties: ['userId'] })
// A name tells active keys apart; a revoked key's name may be reused.
@Index({
  name: 'api_keys_name_key',
  expression: 'create unique index "api_keys_name_key" on "crm"."api_keys" (lower("name")) where "revoked_at" is null',
})
@Index({
  name: 'api_keys_created_at_id_idx',
  expression: 'create index "api_keys_created_at_id_idx" on "crm"."api_keys" ("created_at" desc, "id" desc)',
})
export class ApiKey {
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: ArrayType, columnType: 'text[]' })
  @Check({ name: 'api_keys_scopes_check', expression: `cardinality("scopes") > 0 and "scopes" <@ array['read', 'write', 'admin']::text[]` })
  scopes!: Scope[];

  /** `crmk_` and the secret's first 4 characters, and its last 4: enough to recognise a key, not to use it. */
  @Property({ type: 'string', length: 16 })
  prefix!: string;

  @Property({ type: 'string', length: 4 })
  last4!: string;

  /** Hex SHA-256 of the whole secret; never leaves this service. Unique: the lookup of every request made with a key. */
  @Property({ type: 'string', columnType: 'char(64)', hidden: true, unique: true })
  secretHash!: string;

  /** The service user the key acts as (one key per service user). */
  @RecordRef('User', 'user_id', { nullable: false, deleteRule: 'no action' })
  userId!: string;

  @RecordRef('User', 'created_by_id', { deleteRule: 'no action' })
  createdById: string | null = null;

  @Property({ type: 'datetime', columnType: 'timestamptz(3)' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', columnType: 'timestamptz(3)' })
  updatedAt: Date & Opt = new Date();

  @Property({ type: 'datetime', columnType: 'timestamptz(3)', nullable: true })
  lastUsedAt: Date | null = null;

  @Property({ type: 'datetime', columnType: 'timestamptz(3)', nullable: true })
  revokedAt: Date | null = null;
}
