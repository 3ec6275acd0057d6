// The operator's jobs over the stored logs: re-rendering summaries, and retention (operations.shared.ts has the suite's setup and helpers).
// The describe keeps the original file's name, so every test keeps its full name.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { buildEvent } from '@app/contracts';
import { eventually, IsolatedStack, uniq } from '../utils';
import { ACTOR, DAY_MS, logLine, ok, operationsSuite } from './operations.shared';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(180_000);

describe('operations', () => {
  const suite = operationsSuite();
  const { publishEvent, logs, waitLogged, metric, startRetentionLogger } = suite;
  let stack: IsolatedStack;
  let db: Client;
  beforeAll(() => ({ stack, db } = suite));

  describe('re-render: npm run feed:rerender', () => {
    const changed = (out: string) => Number(/rerender: scanned \d+, changed (\d+),/.exec(out)?.[1]);

    it('fixes summaries and types that are not what the renderers say, leaves manual logs alone, and changes nothing the second time', async () => {
      const lead = randomUUID();
      const name = uniq('Render Lead');
      const created = buildEvent('lead.created', { lead_id: lead, name, company: null, status: 'new', assigned_to: null, actor: ACTOR });
      const task = buildEvent('task.completed', {
        task_id: randomUUID(),
        action: 'Call',
        target: name,
        notes: null,
        task_type: 'call',
        lead_id: lead,
        contact_id: null,
        opportunity_id: null,
        actor: ACTOR,
      });
      const manual = buildEvent('interaction.logged', { type: 'note', summary: 'Met at the fair', lead_id: lead, contact_id: null, opportunity_id: null, actor: ACTOR });
      for (const e of [created, task, manual]) await publishEvent(e);
      await waitLogged([created.id, task.id, manual.id]);

      // As if written by an older build: other words, another type; and a manual log a rep reworded.
      await db.query(`update activity.interaction_log set summary = 'Lead created: ' || $2 where id = $1`, [created.id, name]);
      await db.query(`update activity.interaction_log set type = 'note' where id = $1`, [task.id]);
      await db.query(`update activity.interaction_log set summary = 'Met at the trade fair' where id = $1`, [manual.id]);

      const first = await ok(stack, ['rerender', '--batch', '2']);
      expect(first).toContain('starting a new pass');
      expect(changed(first)).toBe(2);
      const byId = new Map((await logs([created.id, task.id, manual.id])).map((r) => [r.id, r]));
      expect(byId.get(created.id)).toMatchObject({ summary: `New lead created: ${name}`, type: 'note' });
      expect(byId.get(task.id)).toMatchObject({ summary: `Task completed: Call ${name}`, type: 'call' });
      expect(byId.get(manual.id)).toMatchObject({ summary: 'Met at the trade fair', source: 'manual' });

      expect(changed(await ok(stack, ['rerender']))).toBe(0);
    });

    it('resumes an interrupted pass after the last batch it committed, then starts over next time', async () => {
      // Some automatic logs on the table; the first and the last by id are made stale.
      const events = Array.from({ length: 4 }, () =>
        buildEvent('lead.created', { lead_id: randomUUID(), name: uniq('Resume Lead'), company: null, status: 'new', assigned_to: null, actor: ACTOR }),
      );
      for (const e of events) await publishEvent(e);
      await waitLogged(events.map((e) => e.id));
      const { rows: auto } = await db.query<{ id: string; summary: string }>(`select id, summary from activity.interaction_log where source = 'auto' order by id`);
      const [first, last] = [auto[0], auto[auto.length - 1]];
      await db.query(`update activity.interaction_log set summary = 'stale' where id = any($1::uuid[])`, [[first.id, last.id]]);
      // A pass interrupted (killed) after committing the batch that ended with `first`.
      await db.query(
        `insert into activity.rerender_progress (job, last_id, finished_at) values ('summaries', $1, null)
         on conflict (job) do update set last_id = excluded.last_id, finished_at = null`,
        [first.id],
      );

      const resumed = await ok(stack, ['rerender', '--batch', '3']);
      expect(resumed).toContain(`after id ${first.id}`);
      expect(changed(resumed)).toBe(1);
      const after = new Map((await logs([first.id, last.id])).map((r) => [r.id, r.summary]));
      expect(after.get(last.id)).toBe(last.summary);
      expect(after.get(first.id)).toBe('stale'); // before the resume point: this pass does not go back

      const next = await ok(stack, ['rerender', '--batch', '3']);
      expect(next).toContain('starting a new pass');
      expect(changed(next)).toBe(1);
      expect((await logs([first.id]))[0].summary).toBe(first.summary);
      const { rows: progress } = await db.query(`select last_id, finished_at from activity.rerender_progress where job = 'summaries'`);
      expect(progress).toEqual([{ last_id: expect.any(String), finished_at: expect.any(Date) }]);
    });
  });

  describe('retention: LOG_RETENTION_DAYS', () => {
    const eventAt = (daysAgo: number) =>
      buildEvent(
        'lead.created',
        { lead_id: randomUUID(), name: uniq('Aged Lead'), company: null, status: 'new', assigned_to: null, actor: ACTOR },
        { time: new Date(Date.now() - daysAgo * DAY_MS) },
      );
    /** The archive: the months detached by retention (interaction_log_archive_yYYYYmMM), and the table of row-by-row archiving from before partitioning. */
    const archiveTables = async () =>
      (
        await db.query(`select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'activity' and c.relname like 'interaction\\_log\\_archive%' and c.relkind = 'r'`)
      ).rows.map((r) => r.relname as string);
    const archived = async (ids: string[]) => {
      const rows: Record<string, unknown>[] = [];
      for (const table of await archiveTables()) rows.push(...(await db.query(`select * from activity."${table}" where id = any($1::uuid[])`, [ids])).rows);
      return rows;
    };
    const inArchive = async (ids: string[]) => (await archived(ids)).map((r) => r.id as string).sort();
    /** Logs in months that ended before the cutoff (those retention removes whole): none may be left. */
    const inExpiredMonths = async (days: number) =>
      (
        await db.query(
          `select count(*)::int as n from activity.interaction_log
        where "timestamp" < date_trunc('month', (now() - make_interval(days => $1)) at time zone 'UTC') at time zone 'UTC'`,
          [days],
        )
      ).rows[0].n;

    // The log is partitioned by month (issue 12): retention takes whole months once they
    // are entirely past the limit, so a log of the month the cutoff falls in stays.
    it('archive: detaches the months entirely older than N days and keeps them as archive tables, keeps the newer ones', async () => {
      const old = [eventAt(400), eventAt(95)];
      const kept = [eventAt(29), eventAt(0)];
      for (const e of [...old, ...kept]) await publishEvent(e);
      await waitLogged([...old, ...kept].map((e) => e.id));
      const before = (await db.query('select * from activity.interaction_log where id = $1', [old[0].id])).rows[0];

      const retention = await startRetentionLogger({ LOG_RETENTION_DAYS: '30', LOG_RETENTION_MODE: 'archive' });
      try {
        await eventually(async () => expect(await inArchive(old.map((e) => e.id))).toEqual(old.map((e) => e.id).sort()));
        expect((await logs(old.map((e) => e.id))).length).toBe(0);
        expect((await logs(kept.map((e) => e.id))).length).toBe(2);
        expect(await archived([old[0].id])).toEqual([before]);
        expect(await inExpiredMonths(30)).toBe(0);
        // One partition per transaction: the months of the two old logs (the line comes just after the commit: polled).
        await eventually(() => expect(logLine(retention, 'retention round done', { mode: 'archive', partitions: true })).toBeDefined());
        expect(logLine(retention, 'retention: partition detached as archive')).toBeDefined();
      } finally {
        await retention.stop();
      }
    });

    it('delete: one logger at a time (the advisory lock), and only the months entirely older than N days go', async () => {
      const old = [eventAt(500), eventAt(70)];
      const kept = [eventAt(6), eventAt(1)];
      for (const e of [...old, ...kept]) await publishEvent(e);
      await waitLogged([...old, ...kept].map((e) => e.id));

      // Another logger's round in progress: the lock is taken.
      const other = new Client({ connectionString: stack.databaseUrl });
      await other.connect();
      try {
        await other.query(`select pg_advisory_lock(hashtext('activity-logger:retention'))`);
        const retention = await startRetentionLogger({ LOG_RETENTION_DAYS: '7', LOG_RETENTION_MODE: 'delete' });
        await eventually(() => expect(logLine(retention, 'retention round skipped: another logger is running one')).toBeDefined());
        expect((await logs(old.map((e) => e.id))).length).toBe(2);

        await other.query(`select pg_advisory_unlock(hashtext('activity-logger:retention'))`);
        await eventually(async () => expect(await logs(old.map((e) => e.id))).toEqual([]));
        expect((await logs(kept.map((e) => e.id))).length).toBe(2);
        expect(await inArchive(old.map((e) => e.id))).toEqual([]);
        // The counter moves after the round's commit, which is when the rows vanished: poll it too.
        await eventually(async () => expect(await metric(retention, 'activity_logger_retention_removed_total{mode="delete"}')).toBeGreaterThanOrEqual(2));
        expect(await inExpiredMonths(7)).toBe(0);
        await retention.stop();
        expect(retention.exitStatus()).toEqual({ code: 0, signal: null });
      } finally {
        await other.end();
      }
    });
  });
});
