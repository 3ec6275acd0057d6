import { ArrayType, Entity, Property } from '@mikro-orm/core';
import { CrmRecord } from '../common/record.entity';
import type { Scope } from './scopes';

/** An integration's key: only the SHA-256 of its secret is kept (docs/decisions.md, "API keys"). */
@Entity({ schema: 'crm', tableName: 'api_keys' })
export class ApiKey extends CrmRecord {
  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: ArrayType, columnType: 'text[]' })
  scopes!: Scope[];

  /** `crmk_` and the secret's first 4 characters, and its last 4: enough to recognise a key, not to use it. */
  @Property({ type: 'string', length: 16 })
  prefix!: string;

  @Property({ type: 'string', length: 4 })
  last4!: string;

  /** Hex SHA-256 of the whole secret; never leaves this service. */
  @Property({ type: 'string', columnType: 'char(64)', hidden: true })
  secretHash!: string;

  /** The service user the key acts as. */
  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz(3)', nullable: true })
  lastUsedAt: Date | null = null;

  @Property({ type: 'datetime', columnType: 'timestamptz(3)', nullable: true })
  revokedAt: Date | null = null;
}
