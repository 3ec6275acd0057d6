import { RetentionRepository } from '../../apps/activity-logger/src/ops/retention/retention.repository';
import { activityDatabase, newLog } from './activity';

/**
 * Every test works in a year of its own in the 1990s, which nothing else in the medium
 * tier writes to: a round's cutoff there touches only this test's logs and months.
 */
describe('RetentionRepository (PostgreSQL)', () => {
  const db = activityDatabase();
  const opened: RetentionRepository[] = [];
  const connect = async () => {
    const repo = await RetentionRepository.connect(db.url);
    opened.push(repo);
    return repo;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((r) => r.close()));
  });
  const where = (ids: string[], table = 'interaction_log') =>
    db.sql<{ id: string }>(`select id from activity.${table} where id = any($1::uuid[]) order by "timestamp"`, [ids]).then((rows) => rows.map((r) => r.id));
  /** A later test's cutoff would take this test's survivor: gone once looked at. */
  const forget = (id: string) => db.sql('delete from activity.interaction_log where id = $1', [id]);
  const partitionsOf = async (year: number) =>
    (
      await db.sql<{ name: string }>(
        `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'activity' and c.relkind = 'r' and c.relname like $1 order by 1`,
        [`interaction_log%_y${year}m%`],
      )
    ).map((r) => r.name);

  it('tryLock: one round at a time; the lock goes with its session', async () => {
    const [a, b] = [await connect(), await connect()];
    expect(await a.tryLock()).toBe(true);
    expect(await b.tryLock()).toBe(false);
    await a.close();
    expect(await b.tryLock()).toBe(true);
  });

  it('partitioned: true once the logger is migrated', async () => {
    expect(await (await connect()).partitioned()).toBe(true);
  });

  it('removeBatch delete: the oldest logs before the cutoff, at most `limit` a batch; one at the cutoff stays', async () => {
    const [jan, feb, atCutoff] = ['1991-01-10T00:00:00.000Z', '1991-02-10T00:00:00.000Z', '1991-03-10T00:00:00.000Z'].map((timestamp) => newLog({ timestamp }));
    await db.store([atCutoff, feb, jan]);
    const ids = [jan.id, feb.id, atCutoff.id];
    const repo = await connect();
    const cutoff = new Date(atCutoff.timestamp);
    expect(await repo.removeBatch('delete', cutoff, 1)).toBe(1);
    expect(await where(ids)).toEqual([feb.id, atCutoff.id]);
    expect(await repo.removeBatch('delete', cutoff, 5)).toBe(1);
    expect(await repo.removeBatch('delete', cutoff, 5)).toBe(0);
    expect(await where(ids)).toEqual([atCutoff.id]);
    expect(await where(ids, 'interaction_log_archive')).toEqual([]);
    await forget(atCutoff.id);
  });

  it('removeBatch archive: moved to interaction_log_archive with their columns; one archived before is kept once', async () => {
    const [old, older, kept] = ['1992-02-01T00:00:00.000Z', '1992-01-01T00:00:00.000Z', '1992-06-01T00:00:00.000Z'].map((timestamp) => newLog({ timestamp }));
    await db.store([old, older, kept]);
    // `old` was archived before and its event replayed since: it is in both tables.
    await db.sql(
      `insert into activity.interaction_log_archive select id, "timestamp", user_id, type, summary, lead_id, contact_id, opportunity_id,
      source, event_type, event_version, correlation_id, data, logged_at, xid, recorded_at from activity.interaction_log where id = $1`,
      [old.id],
    );
    const ids = [old.id, older.id, kept.id];
    expect(await (await connect()).removeBatch('archive', new Date('1992-03-01T00:00:00Z'), 10)).toBe(2);
    expect(await where(ids)).toEqual([kept.id]);
    expect(await where(ids, 'interaction_log_archive')).toEqual([older.id, old.id]);
    const [row] = await db.sql<{ summary: string; user_id: string; data: unknown; timestamp: Date }>(
      'select summary, user_id, data, "timestamp" from activity.interaction_log_archive where id = $1',
      [older.id],
    );
    expect(row).toMatchObject({ summary: older.summary, user_id: older.userId, data: older.data });
    expect(row.timestamp.toISOString()).toBe(older.timestamp);
    await forget(kept.id);
  });

  it('expiredPartitions: the months wholly before the cutoff, oldest first; the month holding the cutoff is not one', async () => {
    await db.store(['1993-03-05T00:00:00.000Z', '1993-01-20T00:00:00.000Z', '1993-02-14T00:00:00.000Z'].map((timestamp) => newLog({ timestamp })));
    const expired = await (await connect()).expiredPartitions(new Date('1993-03-15T00:00:00Z'));
    expect(expired.filter((name) => name.includes('_y1993'))).toEqual(['interaction_log_y1993m01', 'interaction_log_y1993m02']);
    // A month ending exactly at the cutoff has expired.
    const atBound = await (await connect()).expiredPartitions(new Date('1993-03-01T00:00:00Z'));
    expect(atBound.filter((name) => name.includes('_y1993'))).toEqual(['interaction_log_y1993m01', 'interaction_log_y1993m02']);
  });

  it('removePartition delete: the month is dropped; returns how many logs it held', async () => {
    const logs = ['1994-01-05T00:00:00.000Z', '1994-01-25T00:00:00.000Z', '1994-02-05T00:00:00.000Z'].map((timestamp) => newLog({ timestamp }));
    await db.store(logs);
    expect(await (await connect()).removePartition('delete', 'interaction_log_y1994m01')).toBe(2);
    expect(await partitionsOf(1994)).toEqual(['interaction_log_y1994m02']);
    expect(await where(logs.map((l) => l.id))).toEqual([logs[2].id]);
  });

  it('removePartition archive: the month detached as interaction_log_archive_yYYYYmMM; a later one of that month joins it', async () => {
    const first = newLog({ timestamp: '1996-05-05T00:00:00.000Z' });
    await db.store([first]);
    expect(await (await connect()).removePartition('archive', 'interaction_log_y1996m05')).toBe(1);
    expect(await partitionsOf(1996)).toEqual(['interaction_log_archive_y1996m05']);
    expect(await where([first.id])).toEqual([]);
    // A backdated log of that month came in after (the writer made its partition again).
    const late = newLog({ timestamp: '1996-05-20T00:00:00.000Z' });
    await db.store([late]);
    expect(await (await connect()).removePartition('archive', 'interaction_log_y1996m05')).toBe(1);
    expect(await partitionsOf(1996)).toEqual(['interaction_log_archive_y1996m05']);
    expect(await where([first.id, late.id], 'interaction_log_archive_y1996m05')).toEqual([first.id, late.id]);
  });
});
