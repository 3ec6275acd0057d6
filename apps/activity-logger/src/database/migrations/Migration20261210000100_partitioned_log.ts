import { Migration } from '@mikro-orm/migrations';
import { partitionInteractionLog } from '../partition-migration';
import { addMonths, createPartitionSql, monthOf, monthsBetween, MONTHS_AHEAD, partitionedTableSql } from '../partitions';

/**
 * activity.interaction_log partitioned by month of "timestamp" (database/partitions.ts).
 * An installation with logs is migrated online, on a connection of its own, in batches
 * with a short swap (partition-migration.ts): the loggers keep running; their insert
 * (`on conflict do nothing`) works on both tables. A fresh install (the plain table was
 * created earlier in this very transaction, empty) gets the partitioned table at once.
 */
export class Migration20261210000100_partitioned_log extends Migration {
  override async up(): Promise<void> {
    const url = this.config.get<'clientUrl', string>('clientUrl');
    const log = (msg: string) => process.stdout.write(`${JSON.stringify({ level: 'info', context: 'migrate', msg })}\n`);
    const outcome = await partitionInteractionLog(url, { log });
    if (outcome.state !== 'missing') return;
    this.addSql(`drop table "activity"."interaction_log"`);
    for (const sql of partitionedTableSql('interaction_log')) this.addSql(`${sql};`);
    const now = monthOf(new Date());
    for (const month of monthsBetween(now, addMonths(now, MONTHS_AHEAD))) this.addSql(`${createPartitionSql(month)};`);
  }

  override async down(): Promise<void> {
    throw new Error(
      'the partitioned log cannot be reverted automatically: restore activity.interaction_log_before_partitioning by hand (rename it back, copy the logs written since)',
    );
  }
}
