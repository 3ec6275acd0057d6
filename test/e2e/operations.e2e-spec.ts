import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ChannelModel, ConfirmChannel, connect } from 'amqplib';
import { Client } from 'pg';
import { buildEvent, CrmEvent, DEAD_LETTER_EXCHANGE, EXCHANGE, LOGGER_DEAD_LETTER_QUEUE, messageProperties } from '@app/contracts';
import { ROOT } from '../support/resources';
import { AppProcess, eventually, IsolatedStack, isolatedStack, readMetric, startLogger, uniq } from '../utils';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(180_000);

const ACTOR = { id: randomUUID(), name: 'Ops Tester' };
const DAY_MS = 86_400_000;

interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one operator command of the built logger (`node dist/apps/activity-logger/main.js
 * <args>`), as an operator would, against this file's stack. A helper of this file:
 * test/utils starts long-running apps only.
 */
function loggerCommand(stack: IsolatedStack, args: string[]): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', 'activity-logger', 'main.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', ...stack.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The command must have succeeded; its stdout. */
async function ok(stack: IsolatedStack, args: string[]): Promise<string> {
  const r = await loggerCommand(stack, args);
  if (r.code !== 0) throw new Error(`${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

/** One JSON log line of an app's output matching `msg` (and fields), or undefined. */
function logLine(app: AppProcess, msg: string, fields: Record<string, unknown> = {}): Record<string, unknown> | undefined {
  for (const line of app.output().split('\n')) {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (parsed.msg === msg && Object.entries(fields).every(([k, v]) => parsed[k] === v)) return parsed;
    } catch {
      // not a JSON line
    }
  }
  return undefined;
}

/**
 * The operator's tools on a database and vhost of this file's own (the DLQ's contents and
 * the table's rows are counted exactly, and a trigger is installed on the table): the
 * dead-letter command, re-rendering stored summaries, and the retention job.
 */
describe('operations', () => {
  let stack: IsolatedStack;
  let db: Client;
  let broker: ChannelModel;
  let channel: ConfirmChannel;
  let logger: AppProcess;
  const started: AppProcess[] = [];

  const publish = async (routingKey: string, body: string, options: Record<string, unknown>) => {
    channel.publish(EXCHANGE, routingKey, Buffer.from(body), { persistent: true, mandatory: true, ...options });
    await channel.waitForConfirms();
  };
  const publishEvent = (event: CrmEvent) => publish(event.type, JSON.stringify(event), messageProperties(event));
  const dlqDepth = async () => {
    const probe = await broker.createChannel();
    try {
      return (await probe.checkQueue(LOGGER_DEAD_LETTER_QUEUE)).messageCount;
    } finally {
      await probe.close();
    }
  };
  const logs = async (ids: string[]) => (await db.query('select id, summary, type, source, "timestamp" from activity.interaction_log where id = any($1::uuid[])', [ids])).rows;
  const waitLogged = (ids: string[]) => eventually(async () => expect((await logs(ids)).map((r) => r.id).sort()).toEqual([...ids].sort()));
  const metric = (app: AppProcess, name: string) => readMetric(app.url, name);
  const startRetentionLogger = async (env: Record<string, string>) => {
    const p = await startLogger({ ...stack.env, LOG_RETENTION_INTERVAL_SECONDS: '1', ...env });
    started.push(p);
    return p;
  };

  beforeAll(async () => {
    stack = await isolatedStack();
    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    // One delivery: a message the database refuses is dead-lettered at once, not after five.
    logger = await startLogger({ ...stack.env, LOGGER_MAX_ATTEMPTS: '1' });
    started.push(logger);
    broker = await connect(stack.amqpUrl);
    channel = await broker.createConfirmChannel();
  });

  afterAll(async () => {
    await broker?.close().catch(() => undefined);
    await db?.end().catch(() => undefined);
    await Promise.all(started.map((p) => p.stop()));
    await stack?.destroy();
  });

  describe('dead letters: npm run dlq -- list | show | replay | purge', () => {
    it('lists why each message is there, replays the fixed ones once, leaves the broken one, and purges', async () => {
      // The fixable case: a trigger someone added refuses the logs of one lead (SQLSTATE
      // P0001: the row's fault, not the database's, so the logger dead-letters it). The
      // call log comes twice, as a relay that crashed before marking it sent publishes it.
      const held = randomUUID();
      await db.query(`create function activity.ops_test_hold() returns trigger language plpgsql as $$
        begin raise exception 'lead % is on legal hold', new.lead_id; end $$`);
      await db.query(`create trigger ops_test_hold before insert on activity.interaction_log for each row
        when (new.lead_id = '${held}') execute function activity.ops_test_hold()`);
      const name = uniq('Held Lead');
      const call = buildEvent('interaction.logged', { type: 'call', summary: 'Called about the renewal', lead_id: held, contact_id: null, opportunity_id: null, actor: ACTOR });
      const created = buildEvent('lead.created', { lead_id: held, name, company: 'Initech', status: 'new', assigned_to: null, actor: ACTOR });
      const malformed = randomUUID();
      await publishEvent(call);
      await publishEvent(call);
      await publishEvent(created);
      await publish('lead.created', '{ "specversion": "1.0", oops', { messageId: malformed, type: 'lead.created' });
      await eventually(async () => expect(await dlqDepth()).toBe(4));

      const list = await ok(stack, ['dlq', 'list']);
      const lines = list.split('\n');
      const lineOf = (id: string) => lines.filter((l) => l.startsWith(id));
      expect(lineOf(call.id)).toHaveLength(2);
      for (const line of [...lineOf(call.id), ...lineOf(created.id)]) expect(line).toMatch(/\s1\s+\d{4}-\d\d-\d\dT\S+Z\s+write failed: lead \S+ is on legal hold \(P0001\)$/);
      expect(lineOf(created.id)[0]).toMatch(/^\S+\s+lead\.created\s/);
      expect(lineOf(call.id)[0]).toMatch(/^\S+\s+interaction\.logged\s/);
      expect(lineOf(malformed)).toEqual([expect.stringMatching(/\slead\.created\s+1\s+\S+\s+not JSON: /)]);
      expect(list).toContain('4 dead letter(s) in activity-logger.dead-letter\nby reason:\n       3  write_failed\n       1  not_json\n');
      // Reading took nothing away.
      expect(await dlqDepth()).toBe(4);

      const show = await ok(stack, ['dlq', 'show', created.id]);
      expect(show).toContain('reason:        write failed: lead');
      expect(show).toContain('  x-original-routing-key: "lead.created"');
      expect(show).toContain('  x-correlation-id:');
      expect(show).toContain(`  "lead_id": "${held}",`);
      expect((await loggerCommand(stack, ['dlq', 'show', randomUUID()])).code).toBe(1);

      // Before the fix there is nothing to replay: the database would refuse them again.
      // The fix: the trigger goes.
      await db.query('drop trigger ops_test_hold on activity.interaction_log; drop function activity.ops_test_hold()');

      // By id: both copies of the call go back; the log is written once.
      const duplicatesBefore = await metric(logger, 'activity_logger_duplicates_skipped_total');
      expect(await ok(stack, ['dlq', 'replay', call.id])).toContain('replayed 2, skipped 0, failed 0, not found 0');
      await waitLogged([call.id]);
      await eventually(async () => expect(await metric(logger, 'activity_logger_duplicates_skipped_total')).toBe(duplicatesBefore + 1));
      expect(await logs([call.id])).toEqual([expect.objectContaining({ summary: 'Called about the renewal', source: 'manual' })]);
      expect(await dlqDepth()).toBe(2);

      // --all: what can now be read goes back; the malformed one stays, said so.
      const replayAll = await ok(stack, ['dlq', 'replay', '--all']);
      expect(replayAll).toContain(`skipped ${malformed}: still invalid (not JSON`);
      expect(replayAll).toContain('replayed 1, skipped 1, failed 0, not found 0');
      await waitLogged([created.id]);
      expect(await logs([created.id])).toEqual([expect.objectContaining({ summary: `New lead created: ${name} from Initech` })]);

      // Again: nothing more to replay, no log written twice.
      expect(await ok(stack, ['dlq', 'replay', '--all'])).toContain('replayed 0, skipped 1, failed 0, not found 0');
      const { rows } = await db.query('select event_type, count(*)::int as n from activity.interaction_log where lead_id = $1 group by 1 order by 1', [held]);
      expect(rows).toEqual([
        { event_type: 'interaction.logged', n: 1 },
        { event_type: 'lead.created', n: 1 },
      ]);
      expect(await dlqDepth()).toBe(1);
      expect((await loggerCommand(stack, ['dlq', 'replay', randomUUID()])).code).toBe(1);

      // --force: the still-invalid one goes back anyway (an operator's call, e.g. for a
      // consumer that reads it now); this logger refuses it again, so it is dead-lettered anew.
      const forced = await ok(stack, ['dlq', 'replay', '--all', '--force']);
      expect(forced).toContain('replayed 1, skipped 0, failed 0, not found 0');
      expect(forced).not.toContain('still invalid');
      await eventually(async () => {
        expect(await dlqDepth()).toBe(1);
        expect((await ok(stack, ['dlq', 'list'])).split('\n').filter((l) => l.startsWith(malformed))).toEqual([expect.stringMatching(/\slead\.created\s+\d+\s+\S+\s+not JSON: /)]);
      });
      expect(await logs([malformed])).toEqual([]);

      // Purge: only with --yes.
      const refused = await loggerCommand(stack, ['dlq', 'purge']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('1 dead letter(s) in activity-logger.dead-letter would be deleted for good: run again with --yes');
      expect(await dlqDepth()).toBe(1);
      expect(await ok(stack, ['dlq', 'purge', '--yes'])).toContain('purged 1 dead letter(s)');
      expect(await dlqDepth()).toBe(0);
      expect(await ok(stack, ['dlq', 'list'])).toBe('activity-logger.dead-letter: no dead letters\n');
    });

    it('replays hundreds at once: each leaves the dead-letter queue for good (none comes back though replayed)', async () => {
      // Straight into the dead-letter exchange, as the logger leaves them.
      const lead = randomUUID();
      const events = Array.from({ length: 400 }, (_, i) =>
        buildEvent('interaction.logged', { type: 'note', summary: `Bulk replay #${i}`, lead_id: lead, contact_id: null, opportunity_id: null, actor: ACTOR }),
      );
      for (const e of events) channel.publish(DEAD_LETTER_EXCHANGE, e.type, Buffer.from(JSON.stringify(e)), { ...messageProperties(e), mandatory: true });
      await channel.waitForConfirms();
      await eventually(async () => expect(await dlqDepth()).toBe(events.length));

      expect(await ok(stack, ['dlq', 'replay', '--all'])).toContain(`replayed ${events.length}, skipped 0, failed 0, not found 0`);
      await waitLogged(events.map((e) => e.id));
      // An ack the broker dropped would show here: the message back in the queue, replayed but not removed.
      expect(await dlqDepth()).toBe(0);
      expect(await ok(stack, ['dlq', 'list'])).toBe('activity-logger.dead-letter: no dead letters\n');
    });
  });

  describe("the broker's own safety net: x-delivery-limit", () => {
    it('a message returned 50 times without the logger settling it (say it crashes on it) is dead-lettered by the broker, and the tool reads and replays it', async () => {
      // A vhost of its own: no logger may take the message while it is bounced.
      const own = await isolatedStack();
      const connection = await connect(own.amqpUrl);
      try {
        const declare = await startLogger(own.env); // declares the queues with their arguments
        await declare.stop();
        const event = buildEvent('interaction.logged', { type: 'note', summary: 'Bounced fifty times', lead_id: null, contact_id: null, opportunity_id: null, actor: ACTOR });
        const publisher = await connection.createConfirmChannel();
        publisher.publish(EXCHANGE, event.type, Buffer.from(JSON.stringify(event)), { ...messageProperties(event), mandatory: true });
        await publisher.waitForConfirms();

        // A consumer that gives every delivery back, as a logger dying on it would.
        const bouncer = await connection.createChannel();
        let deliveries = 0;
        await bouncer.prefetch(1);
        await bouncer.consume('activity-logger', (msg) => {
          if (!msg) return;
          deliveries += 1;
          bouncer.nack(msg, false, true);
        });
        const dlqDepthOf = async () => {
          const probe = await connection.createChannel();
          try {
            return (await probe.checkQueue(LOGGER_DEAD_LETTER_QUEUE)).messageCount;
          } finally {
            await probe.close();
          }
        };
        await eventually(async () => expect(await dlqDepthOf()).toBe(1), { timeout: 30_000 });
        expect(deliveries).toBeGreaterThanOrEqual(50);
        await bouncer.close();

        const list = await ok(own, ['dlq', 'list']);
        expect(list).toMatch(new RegExp(`^${event.id}\\s+interaction\\.logged\\s.*broker: delivery_limit in activity-logger$`, 'm'));
        expect(list).toContain('broker_delivery_limit');

        const logger2 = await startLogger(own.env);
        try {
          expect(await ok(own, ['dlq', 'replay', event.id])).toContain('replayed 1, skipped 0, failed 0, not found 0');
          const ownDb = new Client({ connectionString: own.databaseUrl });
          await ownDb.connect();
          try {
            await eventually(async () =>
              expect((await ownDb.query('select summary from activity.interaction_log where id = $1', [event.id])).rows).toEqual([{ summary: 'Bounced fifty times' }]),
            );
          } finally {
            await ownDb.end();
          }
          expect(await dlqDepthOf()).toBe(0);
        } finally {
          await logger2.stop();
        }
      } finally {
        await connection.close().catch(() => undefined);
        await own.destroy();
      }
    });
  });

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
