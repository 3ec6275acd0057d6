import { Entity, Enum, Opt, Property } from '@mikro-orm/core';
import { CrmRecord, ListIndexes } from '../common/record.entity';
import { Role, ROLES } from '../common/request-context';

export const USER_KINDS = ['person', 'service'] as const;
export type UserKind = (typeof USER_KINDS)[number];

@Entity({ schema: 'crm', tableName: 'users' })
@ListIndexes('users', [], false)
export class User extends CrmRecord {
  /** Stored lower-cased: unique and matched case-insensitively. */
  @Property({ type: 'string', length: 254, unique: 'users_email_key' })
  email!: string;

  @Property({ type: 'string', length: 255 })
  name!: string;

  @Enum({ items: [...ROLES], columnType: 'varchar(20)' })
  role!: Role;

  /** `service`: an API key's user (api-keys/): never signs in with a password, managed through its key. */
  @Enum({ items: [...USER_KINDS], columnType: 'varchar(10)', default: 'person' })
  kind: UserKind & Opt = 'person';

  /** Set by an admin: the user cannot sign in and their sessions were ended. */
  @Property({ type: 'datetime', columnType: 'timestamptz(3)', nullable: true })
  disabledAt: Date | null = null;

  /** scrypt$N$r$p$salt$hash; never leaves this service. */
  @Property({ type: 'text', hidden: true })
  passwordHash!: string;
}
