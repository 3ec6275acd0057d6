import { Pool } from 'pg';
import { randomUUID } from 'node:crypto';
import { LoggerConfig } from '../../apps/activity-logger/src/config/logger.config';
import { createPartitions, monthOf } from '../../apps/activity-logger/src/database/partitions';
import type { InteractionLogRecord } from '../../apps/activity-logger/src/logs/log-writer.repository';

/**
 * The logger's side of the run's medium database (schema activity, migrated by
 * test/support/medium-setup.ts), opened once per file on a pool of its own. The logger's
 * repositories use node-postgres, not MikroORM: they get the URL (or a LoggerConfig).
 * Files share the table and run side by side: each test makes logs of its own (random
 * ids, and a year of its own where a repository works by time) and looks only at those.
 */
export function activityDatabase() {
  const url = process.env.TEST_MEDIUM_DATABASE_URL;
  if (!url) throw new Error('TEST_MEDIUM_DATABASE_URL is not set: run the medium project (npx jest --selectProjects medium)');
  let pool: Pool | undefined;
  beforeAll(() => {
    pool = new Pool({ connectionString: url, max: 2 });
  });
  afterAll(async () => {
    await pool?.end();
  });
  const sql = async <T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> => {
    if (!pool) throw new Error('the medium database is opened in beforeAll');
    return (await pool.query(text, params)).rows as T[];
  };
  return {
    url,
    config: (env: NodeJS.ProcessEnv = {}) => LoggerConfig.load({ DATABASE_URL: url, DB_POOL_SIZE: '2', ...env }),
    sql,
    /**
     * Stores logs as the writer would (their months' partitions made first), by plain
     * SQL: no NOTIFY, so a file that listens for the writer's is not woken by another's.
     */
    async store(records: InteractionLogRecord[]): Promise<void> {
      await createPartitions(
        (text, params) => pool!.query(text, params),
        records.map((r) => monthOf(r.timestamp)),
      );
      for (const r of records) {
        await sql(
          `insert into activity.interaction_log (id, "timestamp", recorded_at, user_id, type, summary, lead_id, contact_id, opportunity_id,
             source, event_type, event_version, correlation_id, data) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
          [
            r.id,
            r.timestamp,
            r.recordedAt,
            r.userId,
            r.type,
            r.summary,
            r.leadId,
            r.contactId,
            r.opportunityId,
            r.source,
            r.eventType,
            r.eventVersion,
            r.correlationId,
            JSON.stringify(r.data),
          ],
        );
      }
    },
  };
}

/** A manual note at `timestamp` (now by default), of a random id. */
export function newLog(overrides: Partial<InteractionLogRecord> = {}): InteractionLogRecord {
  const timestamp = overrides.timestamp ?? new Date().toISOString();
  const leadId = randomUUID();
  return {
    id: randomUUID(),
    timestamp,
    recordedAt: timestamp,
    userId: randomUUID(),
    type: 'note',
    summary: 'Called about the renewal',
    leadId,
    contactId: null,
    opportunityId: null,
    source: 'manual',
    eventType: 'interaction.logged',
    eventVersion: 2,
    correlationId: randomUUID(),
    data: { lead_id: leadId, summary: 'Called about the renewal', type: 'note' },
    ...overrides,
  };
}
