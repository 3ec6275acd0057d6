import { Migration } from '@mikro-orm/migrations';

/**
 * Server-side sessions (docs/decisions.md, "Sessions that can be ended"): a token names
 * its session, each request looks the session up by primary key, and ending one is a
 * delete. A disabled user keeps their records and their history but cannot sign in.
 */
export class Migration20261202000200_sessions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "crm"."sessions" (
      "id" uuid primary key,
      "user_id" uuid not null references "crm"."users" ("id") on delete cascade,
      "created_at" timestamptz not null default now(),
      "expires_at" timestamptz not null
    );`);
    this.addSql(`create index "sessions_user_id_idx" on "crm"."sessions" ("user_id");`);
    this.addSql(`create index "sessions_expires_at_idx" on "crm"."sessions" ("expires_at");`);
    this.addSql(`alter table "crm"."users" add column "disabled_at" timestamptz(3) null;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table "crm"."sessions";');
    this.addSql('alter table "crm"."users" drop column "disabled_at";');
  }
}
