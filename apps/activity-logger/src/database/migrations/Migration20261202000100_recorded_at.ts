import { Migration } from '@mikro-orm/migrations';

/**
 * `recorded_at`: when crm-api recorded a log, beside `timestamp` (when it happened, which a
 * manual log may set in the past). Null for rows written before: the feed reads them as
 * their timestamp. Nullable and without a default, so adding it rewrites nothing and
 * takes no long lock on a large table.
 */
export class Migration20261202000100_recorded_at extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "activity"."interaction_log" add column "recorded_at" timestamptz null;');
    this.addSql('alter table "activity"."interaction_log_archive" add column "recorded_at" timestamptz null;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table "activity"."interaction_log_archive" drop column "recorded_at";');
    this.addSql('alter table "activity"."interaction_log" drop column "recorded_at";');
  }
}
