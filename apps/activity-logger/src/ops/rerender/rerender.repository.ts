import { Client } from 'pg';
import { RerenderChange, StoredLog } from './rerender.plan';

/** The one job the progress table tracks today; another re-computation would get its own name. */
export const RERENDER_JOB = 'summaries';
/** Two rerenders at once would only fight over the same rows: the second one leaves. */
const LOCK_KEY = 'activity-logger:rerender';

export interface RerenderProgress {
  lastId: string | null;
  scanned: number;
  changed: number;
  startedAt: Date;
}

/**
 * SQL of `rerender`, on one session: progress in `activity.rerender_progress`, logs
 * read in keyset order by id (the primary key index), each batch and its progress
 * committed together, so a run killed at any point resumes after the last batch it committed.
 */
export class RerenderRepository {
  constructor(private readonly client: Client) {}

  static async connect(databaseUrl: string): Promise<RerenderRepository> {
    const client = new Client({ connectionString: databaseUrl, application_name: 'activity-logger rerender', connectionTimeoutMillis: 10_000 });
    // A dropped session fails the running query, which ends the run (it resumes after its last committed batch).
    client.on('error', () => undefined);
    await client.connect();
    // Short row locks only; never wait long behind a migration's table lock.
    await client.query(`set lock_timeout = '5s'`);
    return new RerenderRepository(client);
  }

  /** Session-level: released when the connection ends, even if the process dies. */
  async tryLock(): Promise<boolean> {
    const { rows } = await this.client.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtext($1)) as ok', [LOCK_KEY]);
    return rows[0].ok;
  }

  /** The unfinished pass to resume, or a new pass (recorded) when the last one finished or none ran. */
  async startOrResume(): Promise<{ progress: RerenderProgress; resumed: boolean }> {
    const { rows } = await this.client.query<{ last_id: string | null; scanned: string; changed: string; started_at: Date; finished_at: Date | null }>(
      'select last_id, scanned, changed, started_at, finished_at from activity.rerender_progress where job = $1',
      [RERENDER_JOB],
    );
    const row = rows[0];
    if (row && row.finished_at === null) {
      return { progress: { lastId: row.last_id, scanned: Number(row.scanned), changed: Number(row.changed), startedAt: row.started_at }, resumed: true };
    }
    const started = await this.client.query<{ started_at: Date }>(
      `insert into activity.rerender_progress (job, last_id, scanned, changed, started_at, updated_at, finished_at)
       values ($1, null, 0, 0, now(), now(), null)
       on conflict (job) do update set last_id = null, scanned = 0, changed = 0, started_at = now(), updated_at = now(), finished_at = null
       returning started_at`,
      [RERENDER_JOB],
    );
    return { progress: { lastId: null, scanned: 0, changed: 0, startedAt: started.rows[0].started_at }, resumed: false };
  }

  /**
   * One batch in one transaction: the next `limit` logs after `afterId`, the changes the
   * caller plans for them, and the progress. Returns what was read and how many rows changed.
   */
  async batch(afterId: string | null, limit: number, plan: (rows: StoredLog[]) => RerenderChange[]): Promise<{ rows: StoredLog[]; changed: number }> {
    await this.client.query('begin');
    try {
      const { rows } = await this.client.query<StoredLog>(
        `select id, event_type, event_version, data, summary, type, source from activity.interaction_log
          where ($1::uuid is null or id > $1::uuid) order by id limit $2`,
        [afterId, limit],
      );
      const changes = plan(rows);
      let changed = 0;
      if (changes.length > 0) {
        // "is distinct from": a row someone else already fixed (or a second run) is not written again.
        const result = await this.client.query(
          `update activity.interaction_log l set summary = v.summary, type = v.type
             from unnest($1::uuid[], $2::text[], $3::text[]) as v(id, summary, type)
            where l.id = v.id and (l.summary is distinct from v.summary or l.type is distinct from v.type)`,
          [changes.map((c) => c.id), changes.map((c) => c.summary), changes.map((c) => c.type)],
        );
        changed = result.rowCount ?? 0;
      }
      if (rows.length > 0) {
        await this.client.query(`update activity.rerender_progress set last_id = $2, scanned = scanned + $3, changed = changed + $4, updated_at = now() where job = $1`, [
          RERENDER_JOB,
          rows[rows.length - 1].id,
          rows.length,
          changed,
        ]);
      }
      await this.client.query('commit');
      return { rows, changed };
    } catch (err) {
      await this.client.query('rollback').catch(() => undefined);
      throw err;
    }
  }

  async finish(): Promise<void> {
    await this.client.query('update activity.rerender_progress set finished_at = now(), updated_at = now() where job = $1', [RERENDER_JOB]);
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
