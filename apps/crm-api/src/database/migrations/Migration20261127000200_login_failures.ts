import { Migration } from '@mikro-orm/migrations';

/**
 * Failed logins per (address, email), shared by every crm-api replica: a limit kept in
 * each process's memory would give an attacker one budget per replica. Unlogged: it is
 * a rate limiter's scratch state, not data to keep through a crash.
 */
export class Migration20261127000200_login_failures extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create unlogged table "crm"."login_failures" (
      "key" text primary key,
      "failures" integer not null,
      "reset_at" timestamptz not null
    );`);
    this.addSql(`create index "login_failures_reset_at_idx" on "crm"."login_failures" ("reset_at");`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table "crm"."login_failures";');
  }
}
