import { randomBytes } from 'node:crypto';
import { RerenderRepository } from '../../apps/activity-logger/src/ops/rerender/rerender.repository';
import type { RerenderChange, StoredLog } from '../../apps/activity-logger/src/ops/rerender/rerender.plan';
import { activityDatabase, newLog } from './activity';

/**
 * The log is shared with the other medium files, and a pass reads all of it in id order:
 * each test's logs take ids of a random prefix of their own, so a page after
 * `<prefix>-0000-4000-8000-000000000000` starts with them, in the order they were numbered.
 */
describe('RerenderRepository (PostgreSQL)', () => {
  const db = activityDatabase();
  const opened: RerenderRepository[] = [];
  const connect = async () => {
    const repo = await RerenderRepository.connect(db.url);
    opened.push(repo);
    return repo;
  };
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((r) => r.close()));
  });
  /** `n` logs of consecutive ids under a new prefix (stored out of order), and the id just before the first. */
  async function numberedLogs(n: number) {
    const prefix = randomBytes(4).toString('hex');
    const id = (i: number) => `${prefix}-0000-4000-8000-${String(i).padStart(12, '0')}`;
    const logs = Array.from({ length: n }, (_, i) => newLog({ id: id(i + 1), summary: `summary ${i + 1}` }));
    await db.store([...logs].reverse());
    return { logs, before: id(0) };
  }
  const progress = async () =>
    (
      await db.sql<{ last_id: string | null; scanned: string; changed: string; finished_at: Date | null }>(
        `select last_id, scanned, changed, finished_at from activity.rerender_progress where job = 'summaries'`,
      )
    )[0];
  const summaries = async (ids: string[]) =>
    (await db.sql<{ summary: string; type: string }>('select summary, type from activity.interaction_log where id = any($1::uuid[]) order by id', [ids])).map(
      (r) => `${r.type}: ${r.summary}`,
    );

  it('tryLock: one rerender at a time; the lock goes with its session', async () => {
    const [a, b] = [await connect(), await connect()];
    expect(await a.tryLock()).toBe(true);
    expect(await b.tryLock()).toBe(false);
    await a.close();
    expect(await b.tryLock()).toBe(true);
  });

  it('batch: pages through the logs in id order after the last one read; writes only the changes that differ, and counts them', async () => {
    const { logs, before } = await numberedLogs(5);
    const repo = await connect();
    await repo.startOrResume();
    const seen: StoredLog[][] = [];
    // Plans a new summary for the 1st and 4th logs, and "changes" the 2nd to what it already is.
    const plan = (rows: StoredLog[]): RerenderChange[] => {
      seen.push(rows);
      return rows
        .filter((r) => [logs[0].id, logs[1].id, logs[3].id].includes(r.id))
        .map((r) => ({ id: r.id, summary: r.id === logs[1].id ? r.summary : `new ${r.summary}`, type: 'call' as const }))
        .map((c) => (c.id === logs[1].id ? { ...c, type: 'note' as const } : c));
    };
    const first = await repo.batch(before, 2, plan);
    expect(first.rows.map((r) => r.id)).toEqual([logs[0].id, logs[1].id]);
    expect(first.rows[0]).toMatchObject({ summary: 'summary 1', type: 'note', source: 'manual', event_type: 'interaction.logged', event_version: 2, data: logs[0].data });
    expect(first.changed).toBe(1);
    const second = await repo.batch(first.rows[1].id, 2, plan);
    expect(second.rows.map((r) => r.id)).toEqual([logs[2].id, logs[3].id]);
    expect(second.changed).toBe(1);
    // The last page: the 5th log first, then (maybe) other files' logs, still in id order.
    const third = await repo.batch(second.rows[1].id, 3, () => []);
    expect(third.rows[0].id).toBe(logs[4].id);
    expect(third.rows.map((r) => r.id)).toEqual([...third.rows.map((r) => r.id)].sort());
    expect(third.changed).toBe(0);
    expect(seen[0]).toBe(first.rows);
    expect(await summaries(logs.map((l) => l.id))).toEqual(['call: new summary 1', 'note: summary 2', 'note: summary 3', 'call: new summary 4', 'note: summary 5']);
  });

  it('startOrResume: a killed pass resumes after its last committed batch; a finished one starts over', async () => {
    const { logs, before } = await numberedLogs(3);
    const run = await connect();
    await run.finish(); // whatever ran before: finished
    expect(await run.startOrResume()).toMatchObject({ resumed: false, progress: { lastId: null, scanned: 0, changed: 0 } });
    await run.batch(before, 2, (rows) => rows.filter((r) => r.id === logs[0].id).map((r) => ({ id: r.id, summary: 'redone', type: 'note' as const })));
    await run.close(); // killed here

    const again = await connect();
    const resumed = await again.startOrResume();
    expect(resumed).toMatchObject({ resumed: true, progress: { lastId: logs[1].id, scanned: 2, changed: 1 } });
    expect(resumed.progress.startedAt).toBeInstanceOf(Date);
    await again.finish();
    expect((await progress()).finished_at).toBeInstanceOf(Date);
    expect(await again.startOrResume()).toMatchObject({ resumed: false, progress: { lastId: null, scanned: 0, changed: 0 } });
    expect(await progress()).toMatchObject({ last_id: null, finished_at: null });
  });

  it('batch: a plan that throws leaves the logs and the progress as they were', async () => {
    const { logs, before } = await numberedLogs(2);
    const repo = await connect();
    await repo.finish();
    await repo.startOrResume();
    const start = await progress();
    await expect(
      repo.batch(before, 2, () => {
        throw new Error('the renderer failed');
      }),
    ).rejects.toThrow('the renderer failed');
    expect(await progress()).toEqual(start);
    expect(await summaries(logs.map((l) => l.id))).toEqual(['note: summary 1', 'note: summary 2']);
    // The session is usable after the rollback: the same batch goes through.
    expect((await repo.batch(before, 2, () => [])).rows.map((r) => r.id)).toEqual(logs.map((l) => l.id));
  });
});
