import { Migration } from '@mikro-orm/migrations';
import { ROLLUP_INDEXES } from '../partitions';

/**
 * The indexes crm-api's rolled-up feed reads a quote's and a task's logs by
 * (partitions.ts ROLLUP_INDEXES). A table partitioned by Migration20261210000100 on
 * this version already has them (`if not exists`); one partitioned before gets them
 * here, on the parent, so every partition (and every later one) has them. Building
 * them holds inserts for as long as it takes (seconds for a million logs).
 */
export class Migration20261203000300_rollup_indexes extends Migration {
  override async up(): Promise<void> {
    for (const [name, columns, where] of ROLLUP_INDEXES)
      this.addSql(`create index if not exists "interaction_log_${name}" on "activity"."interaction_log" (${columns}) where ${where};`);
  }

  override async down(): Promise<void> {
    for (const [name] of ROLLUP_INDEXES) this.addSql(`drop index if exists "activity"."interaction_log_${name}";`);
  }
}
