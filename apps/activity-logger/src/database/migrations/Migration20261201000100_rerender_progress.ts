import { Migration } from '@mikro-orm/migrations';

/**
 * Where `main.js rerender` keeps its position: one row per job, the last log id of the
 * last committed batch. finished_at null = a pass to resume.
 */
export class Migration20261201000100_rerender_progress extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "activity"."rerender_progress" (
      "job" text primary key,
      "last_id" uuid null,
      "scanned" bigint not null default 0,
      "changed" bigint not null default 0,
      "started_at" timestamptz not null default now(),
      "updated_at" timestamptz not null default now(),
      "finished_at" timestamptz null);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "activity"."rerender_progress";`);
  }
}
