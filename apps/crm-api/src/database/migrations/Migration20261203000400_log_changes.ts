import { Migration } from '@mikro-orm/migrations';

/**
 * An edit or delete of a manual log reads the latest change of that log crm-api already
 * accepted from the outbox (interactions/log-changes.service.ts). Partial: only those two
 * event types are in the index, so every other event's insert skips it.
 */
export class Migration20261203000400_log_changes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index "outbox_log_changes_idx" on "crm"."outbox" ((payload #>> '{data,log_id}'))
      where "type" in ('interaction.edited', 'interaction.deleted');`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "crm"."outbox_log_changes_idx";`);
  }
}
