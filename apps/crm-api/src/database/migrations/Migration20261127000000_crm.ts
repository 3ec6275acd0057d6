import { Migration } from '@mikro-orm/migrations';

/** The outbox (other CRM tables are added by the migrations after this one). */
export class Migration20261127000000_crm extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create schema if not exists "crm";`);
    this.addSql(`create table "crm"."outbox" (
      "id" uuid primary key,
      "type" text not null,
      "payload" jsonb not null,
      "created_at" timestamptz not null default now(),
      "sent_at" timestamptz null,
      "attempts" int not null default 0);`);
    this.addSql(`create index "outbox_unsent_idx" on "crm"."outbox" ("created_at") where "sent_at" is null;`);
    // Wakes the relays the moment a transaction with events commits (NOTIFY is
    // delivered at commit, once per transaction); polling stays as the fallback.
    this.addSql(`create function "crm"."outbox_notify"() returns trigger language plpgsql as $$
      begin perform pg_notify('crm_outbox', ''); return null; end $$;`);
    this.addSql(`create trigger "outbox_notify" after insert on "crm"."outbox"
      for each statement execute function "crm"."outbox_notify"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "crm"."outbox" cascade;`);
    this.addSql(`drop function if exists "crm"."outbox_notify"();`);
  }
}
