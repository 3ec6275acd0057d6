import { Migration } from '@mikro-orm/migrations';

/** Every table that holds logs with interaction_log's columns: the log, its archive, and archived months (retention). */
const FOR_EACH_LOG_TABLE = (statement: string) => `do $$
declare t text;
begin
  for t in select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'activity' and c.relkind in ('r', 'p') and c.relname ~ '^interaction_log(_archive(_y\\d{4}m\\d{2})?)?$'
  loop
    execute format('${statement}', t);
  end loop;
end $$;`;

/**
 * Manual logs that can be corrected (interaction.edited / interaction.deleted): who
 * last edited a log and when, the edit event that won (last-writer-wins by (edited_at,
 * edit_id)), and a delete's tombstone. The row stays on delete: a redelivered or replayed
 * interaction.logged must find it (its insert does nothing on conflict) rather than bring
 * the log back. Nullable without defaults: adding them rewrites nothing. On the
 * partitioned parent (its partitions follow), the archive, and months detached into the
 * archive, so retention's copies keep matching columns.
 */
export class Migration20261203000400_log_edits extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      FOR_EACH_LOG_TABLE(
        `alter table "activity".%I add column if not exists "edited_at" timestamptz null, add column if not exists "edited_by_id" uuid null, ` +
          `add column if not exists "edited_by_name" text null, add column if not exists "edit_id" uuid null, ` +
          `add column if not exists "deleted_at" timestamptz null, add column if not exists "deleted_by_id" uuid null`,
      ),
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      FOR_EACH_LOG_TABLE(
        `alter table "activity".%I drop column if exists "edited_at", drop column if exists "edited_by_id", drop column if exists "edited_by_name", ` +
          `drop column if exists "edit_id", drop column if exists "deleted_at", drop column if exists "deleted_by_id"`,
      ),
    );
  }
}
