import { Migration } from '@mikro-orm/migrations';

/**
 * The feed's table. crm-api reads it with raw SQL, so its shape is a contract: change it
 * only by adding migrations, never by editing this one.
 */
export class Migration20261127000100_activity extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "activity";`);
    this.addSql(`create table "activity"."interaction_log" (
      "id" uuid primary key,
      "timestamp" timestamptz not null,
      "user_id" uuid not null,
      "type" text not null check ("type" in ('call','email','meeting','note')),
      "summary" text not null,
      "lead_id" uuid null,
      "contact_id" uuid null,
      "opportunity_id" uuid null,
      "source" text not null check ("source" in ('auto','manual')),
      "event_type" text not null,
      "event_version" int not null,
      "correlation_id" uuid not null,
      "data" jsonb not null,
      "logged_at" timestamptz not null default now(),
      "xid" xid8 not null default pg_current_xact_id());`);
    // One index per filter of the feed, each ending in ("timestamp" desc, id desc) so a
    // keyset page is an index range scan.
    const idx = (name: string, columns: string, where = '') => this.addSql(`create index "${name}" on "activity"."interaction_log" (${columns})${where ? ` where ${where}` : ''};`);
    idx('interaction_log_timestamp_idx', '"timestamp" desc, "id" desc');
    idx('interaction_log_lead_idx', '"lead_id", "timestamp" desc, "id" desc', '"lead_id" is not null');
    idx('interaction_log_contact_idx', '"contact_id", "timestamp" desc, "id" desc', '"contact_id" is not null');
    idx('interaction_log_opportunity_idx', '"opportunity_id", "timestamp" desc, "id" desc', '"opportunity_id" is not null');
    idx('interaction_log_user_idx', '"user_id", "timestamp" desc, "id" desc');
    idx('interaction_log_type_idx', '"type", "timestamp" desc, "id" desc');
    idx('interaction_log_correlation_idx', '"correlation_id"');
    // The live stream reads rows in commit-safe order: (xid, id) above its last position,
    // below pg_snapshot_xmin(pg_current_snapshot()).
    idx('interaction_log_xid_idx', '"xid", "id"');
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "activity"."interaction_log";`);
  }
}
