// The operator's dead-letter tool, and the broker's x-delivery-limit it reads (operations.shared.ts has the suite's setup and helpers).
// The describe keeps the original file's name, so every test keeps its full name.
import { randomUUID } from 'node:crypto';
import { ConfirmChannel, connect } from 'amqplib';
import { Client } from 'pg';
import { buildEvent, DEAD_LETTER_EXCHANGE, EXCHANGE, LOGGER_DEAD_LETTER_QUEUE, messageProperties } from '@app/contracts';
import { AppProcess, eventually, IsolatedStack, isolatedStack, startLogger, uniq } from '../utils';
import { ACTOR, ok, loggerCommand, operationsSuite } from './operations.shared';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(180_000);

describe('operations', () => {
  const suite = operationsSuite();
  const { publish, publishEvent, dlqDepth, logs, waitLogged, metric } = suite;
  let stack: IsolatedStack;
  let db: Client;
  let channel: ConfirmChannel;
  let logger: AppProcess;
  beforeAll(() => ({ stack, db, channel, logger } = suite));

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
});
