import { Migration } from '@mikro-orm/migrations';

/**
 * API keys for integrations (docs/decisions.md, "API keys"): each key acts as a service
 * user of its own (`kind = 'service'`), so everything already keyed on users (the
 * records' creators and owners, the feed's attribution, the Policy) works unchanged.
 * Only the SHA-256 of a secret is stored; the unique index on it is the lookup of every
 * request made with a key.
 */
export class Migration20261203000200_api_keys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "crm"."users" add column "kind" varchar(10) not null default 'person',
      add constraint "users_kind_check" check ("kind" in ('person', 'service'));`);
    this.addSql(`create table "crm"."api_keys" (
      "id" uuid primary key,
      "name" varchar(100) not null,
      "scopes" text[] not null check (cardinality("scopes") > 0 and "scopes" <@ array['read', 'write', 'admin']::text[]),
      "prefix" varchar(16) not null,
      "last4" varchar(4) not null,
      "secret_hash" char(64) not null,
      "user_id" uuid not null references "crm"."users" ("id"),
      "created_by_id" uuid null references "crm"."users" ("id"),
      "created_at" timestamptz(3) not null,
      "updated_at" timestamptz(3) not null,
      "last_used_at" timestamptz(3) null,
      "revoked_at" timestamptz(3) null
    );`);
    this.addSql(`create unique index "api_keys_secret_hash_key" on "crm"."api_keys" ("secret_hash");`);
    this.addSql(`create unique index "api_keys_user_id_key" on "crm"."api_keys" ("user_id");`);
    // A name tells active keys apart; a revoked key's name may be reused.
    this.addSql(`create unique index "api_keys_name_key" on "crm"."api_keys" (lower("name")) where "revoked_at" is null;`);
    this.addSql(`create index "api_keys_created_at_id_idx" on "crm"."api_keys" ("created_at" desc, "id" desc);`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table "crm"."api_keys";');
    this.addSql(`delete from "crm"."users" where "kind" = 'service';`);
    this.addSql('alter table "crm"."users" drop column "kind";');
  }
}
