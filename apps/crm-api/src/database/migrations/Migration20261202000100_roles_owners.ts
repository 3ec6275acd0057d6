import { Migration } from '@mikro-orm/migrations';

/**
 * The authorization model (auth/policy.ts): a third role, `manager`, and an index on each
 * record's creator, as a record's owners are its assignee/owner and its creator and the
 * `own` visibility looks records up by both.
 */
export class Migration20261202000100_roles_owners extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "crm"."users" drop constraint "users_role_check",
      add constraint "users_role_check" check ("role" in ('admin', 'manager', 'sales_rep'));`);
    for (const table of ['leads', 'contacts', 'opportunities', 'quotes', 'tasks']) {
      this.addSql(`create index "${table}_created_by_id_idx" on "crm"."${table}" ("created_by_id");`);
    }
  }

  override async down(): Promise<void> {
    for (const table of ['leads', 'contacts', 'opportunities', 'quotes', 'tasks']) this.addSql(`drop index "crm"."${table}_created_by_id_idx";`);
    this.addSql(`alter table "crm"."users" drop constraint "users_role_check",
      add constraint "users_role_check" check ("role" in ('admin', 'sales_rep'));`);
  }
}
