import { Migration } from '@mikro-orm/migrations';

/**
 * Where LOG_RETENTION_MODE=archive moves logs older than LOG_RETENTION_DAYS: the columns
 * of interaction_log as they were, plus when they were moved. Not read by the feed; kept
 * for audits and exports. Only what pruning the archive itself needs is indexed.
 */
export class Migration20261201000200_interaction_log_archive extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "activity"."interaction_log_archive" (
      "id" uuid primary key,
      "timestamp" timestamptz not null,
      "user_id" uuid not null,
      "type" text not null,
      "summary" text not null,
      "lead_id" uuid null,
      "contact_id" uuid null,
      "opportunity_id" uuid null,
      "source" text not null,
      "event_type" text not null,
      "event_version" int not null,
      "correlation_id" uuid not null,
      "data" jsonb not null,
      "logged_at" timestamptz not null,
      "xid" xid8 not null,
      "archived_at" timestamptz not null default now());`);
    this.addSql(`create index "interaction_log_archive_timestamp_idx" on "activity"."interaction_log_archive" ("timestamp");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "activity"."interaction_log_archive";`);
  }
}
