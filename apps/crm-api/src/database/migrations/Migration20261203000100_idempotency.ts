import { Migration } from '@mikro-orm/migrations';

/**
 * Idempotent retries (docs/decisions.md, "Idempotency-Key"): the first answer to a
 * request sent with a key, per caller, committed with the write it describes. `body` is
 * the answer's exact text (jsonb would reorder its keys, and a replay must be the same
 * bytes). Rows older than a day count as absent and are swept.
 */
export class Migration20261203000100_idempotency extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "crm"."idempotency_keys" (
      "user_id" uuid not null,
      "key" varchar(255) not null,
      "fingerprint" char(64) not null,
      "status" smallint not null,
      "body" text null,
      "headers" jsonb not null default '{}',
      "created_at" timestamptz not null default now(),
      primary key ("user_id", "key")
    );`);
    this.addSql(`create index "idempotency_keys_created_at_idx" on "crm"."idempotency_keys" ("created_at");`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table "crm"."idempotency_keys";');
  }
}
