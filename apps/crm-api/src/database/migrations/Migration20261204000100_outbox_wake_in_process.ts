import { Migration } from '@mikro-orm/migrations';

/**
 * crm-api wakes its own relay after each commit that may have added events (the ORM's
 * afterTransactionCommit, and insertNew's one-statement insert), so the statement trigger's
 * pg_notify on every insert into crm.outbox goes. It was the costliest part of a write:
 * PostgreSQL serialises every committing transaction that notified, cluster-wide, under one
 * lock held through its WAL flush (no group commit), and signals every LISTEN backend of
 * the database at each such commit. Rows written by anyone else (by hand, a test) are
 * taken by the relay's poll (RELAY_POLL_MS); `NOTIFY crm_outbox` still wakes it at once.
 */
export class Migration20261204000100_outbox_wake_in_process extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop trigger if exists "outbox_notify" on "crm"."outbox";`);
    this.addSql(`drop function if exists "crm"."outbox_notify"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`create function "crm"."outbox_notify"() returns trigger language plpgsql as $$
      begin perform pg_notify('crm_outbox', ''); return null; end $$;`);
    this.addSql(`create trigger "outbox_notify" after insert on "crm"."outbox"
      for each statement execute function "crm"."outbox_notify"();`);
  }
}
