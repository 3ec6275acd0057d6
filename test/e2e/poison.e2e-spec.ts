import { randomUUID } from 'node:crypto';
import { ChannelModel, ConfirmChannel, connect, ConsumeMessage } from 'amqplib';
import { Client } from 'pg';
import { buildEvent, CrmEvent, EXCHANGE, HEADERS, LOGGER_DEAD_LETTER_QUEUE, messageProperties } from '@app/contracts';
import { rabbitmqctl } from '../support/resources';
import { AppProcess, eventually, IsolatedStack, isolatedStack, readMetric, startLogger, takeDeadLetters } from '../utils';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(120_000);

/**
 * Poison messages the logger must dead-letter without stalling, beyond what
 * delivery.e2e-spec.ts proves (not JSON, invalid data): an unknown type, an unknown
 * version and a broken envelope go at once; a message the database refuses (it might
 * pass on retry, as far as the logger can tell) goes after LOGGER_MAX_ATTEMPTS
 * deliveries, while the valid messages around it are written. On a stack of its own with
 * one logger, so the dead-letter queue and the metrics are this file's alone.
 */
const MAX_ATTEMPTS = 4;

describe('poison messages', () => {
  let stack: IsolatedStack;
  let logger: AppProcess;
  let broker: ChannelModel;
  let channel: ConfirmChannel;
  let db: Client;
  const actor = { id: randomUUID(), name: 'Poison Tester' };

  beforeAll(async () => {
    stack = await isolatedStack();
    // A flush window wide enough that a burst lands in one batch: the bad message then
    // fails its batch, and the good ones must be written anyway.
    logger = await startLogger({ ...stack.env, LOGGER_MAX_ATTEMPTS: String(MAX_ATTEMPTS), LOGGER_FLUSH_MS: '300', LOGGER_BATCH_SIZE: '100' });
    broker = await connect(stack.amqpUrl);
    channel = await broker.createConfirmChannel();
    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await broker?.close().catch(() => undefined);
    await db?.end().catch(() => undefined);
    await logger?.stop();
    await stack?.destroy();
  });

  const publish = async (routingKey: string, body: string, properties: Record<string, unknown>) => {
    channel.publish(EXCHANGE, routingKey, Buffer.from(body), { persistent: true, ...properties });
    await channel.waitForConfirms();
  };
  const publishEvent = (event: CrmEvent | Record<string, any>, routingKey = event.type as string) =>
    publish(routingKey, JSON.stringify(event), { ...messageProperties(event as CrmEvent), messageId: event.id ?? randomUUID() });
  const validNote = (summary: string) => buildEvent('interaction.logged', { type: 'note', summary, lead_id: randomUUID(), contact_id: null, opportunity_id: null, actor });

  const logged = async (ids: string[]) =>
    (await db.query<{ id: string; logged_at: Date }>('select id, logged_at from activity.interaction_log where id = any($1::uuid[])', [ids])).rows;

  const deadLetters = new Map<string, ConsumeMessage>();
  const waitForDeadLetters = (ids: string[]) =>
    eventually(async () => {
      await takeDeadLetters(stack.amqpUrl, ids, deadLetters);
      expect(ids.filter((id) => !deadLetters.has(id))).toEqual([]);
    });
  const header = (id: string, name: string) => deadLetters.get(id)!.properties.headers?.[name];

  /** The logger's counters, from its /metrics. */
  async function metric(name: string, labels = ''): Promise<number> {
    return readMetric(logger.url, `${name}${labels ? `{${labels}}` : ''}`);
  }
  const queueDepth = async (name: string) => {
    const out = await rabbitmqctl(['list_queues', '-p', stack.name, 'name', 'messages']);
    return Number(
      out
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .find(([n]) => n === name)?.[1] ?? NaN,
    );
  };

  it('an unknown event type, an unknown version and a broken envelope are dead-lettered at once (first delivery), with their reason', async () => {
    const requeuesBefore = await metric('activity_logger_retries_total', 'kind="requeue"');
    const unknownType = { ...validNote('x'), id: randomUUID(), type: 'lead.teleported' };
    const unknownVersion = { ...buildEvent('lead.created', { lead_id: randomUUID(), name: 'Versioned', company: null, status: 'new', assigned_to: null, actor }), dataversion: 99 };
    const noId = { ...validNote('no id'), id: undefined };
    const noIdMessageId = randomUUID();
    const wrongSpec = { ...validNote('spec'), id: randomUUID(), specversion: '0.3' };
    const after = validNote(`after the unreadable ones ${randomUUID()}`);

    await publishEvent(unknownType, 'lead.teleported');
    await publishEvent(unknownVersion);
    await publish('interaction.logged', JSON.stringify(noId), { ...messageProperties(validNote('p')), messageId: noIdMessageId });
    await publishEvent(wrongSpec);
    await publishEvent(after);

    await eventually(async () => expect(await logged([after.id])).toHaveLength(1));
    const ids = [unknownType.id, unknownVersion.id, noIdMessageId, wrongSpec.id];
    await waitForDeadLetters(ids);
    expect(String(header(unknownType.id, HEADERS.deadLetterReason))).toBe('unknown event type: lead.teleported');
    expect(String(header(unknownVersion.id, HEADERS.deadLetterReason))).toBe('unknown version 99 of lead.created');
    expect(String(header(noIdMessageId, HEADERS.deadLetterReason))).toMatch(/^invalid envelope: .*id/);
    expect(String(header(wrongSpec.id, HEADERS.deadLetterReason))).toMatch(/^invalid envelope: .*specversion/);
    for (const id of ids) {
      expect(Number(header(id, HEADERS.deadLetterAttempts))).toBe(1);
      expect(Date.parse(String(header(id, HEADERS.deadLetterAt)))).not.toBeNaN();
    }
    expect(header(unknownType.id, 'x-original-routing-key')).toBe('lead.teleported');
    expect(deadLetters.get(unknownType.id)!.fields.routingKey).toBe('lead.teleported');
    expect(JSON.parse(deadLetters.get(unknownVersion.id)!.content.toString())).toEqual(unknownVersion); // the body as it was
    expect(header(unknownVersion.id, HEADERS.correlationId)).toBe(unknownVersion.correlationid); // the original headers kept
    expect(await logged(ids)).toEqual([]);
    // Never retried: refusing them needs no second look.
    expect(await metric('activity_logger_retries_total', 'kind="requeue"')).toBe(requeuesBefore);
  });

  it('a message the database refuses is retried, dead-lettered after LOGGER_MAX_ATTEMPTS deliveries with the SQLSTATE, and the messages around it are written meanwhile', async () => {
    const requeuesBefore = await metric('activity_logger_retries_total', 'kind="requeue"');
    const splitsBefore = await metric('activity_logger_retries_total', 'kind="split"');
    // Valid by the contract; PostgreSQL refuses both rows: text cannot hold NUL, and it has no year 0.
    const nul = validNote('a NUL \u0000 in the summary');
    const yearZero = { ...validNote('from year zero'), time: '0000-06-01T00:00:00Z' };
    const before = Array.from({ length: 5 }, (_, i) => validNote(`before the poison ${i} ${randomUUID()}`));
    const behind = Array.from({ length: 20 }, (_, i) => validNote(`behind the poison ${i} ${randomUUID()}`));

    // One burst, inside one flush window: the batch holding the poison fails as a whole.
    for (const e of before) channel.publish(EXCHANGE, e.type, Buffer.from(JSON.stringify(e)), { ...messageProperties(e), messageId: e.id });
    channel.publish(EXCHANGE, nul.type, Buffer.from(JSON.stringify(nul)), { ...messageProperties(nul), messageId: nul.id });
    channel.publish(EXCHANGE, yearZero.type, Buffer.from(JSON.stringify(yearZero)), { ...messageProperties(yearZero), messageId: yearZero.id });
    for (const e of behind) channel.publish(EXCHANGE, e.type, Buffer.from(JSON.stringify(e)), { ...messageProperties(e), messageId: e.id });
    await channel.waitForConfirms();

    const good = [...before, ...behind].map((e) => e.id);
    await eventually(async () => expect((await logged(good)).length).toBe(good.length));
    await waitForDeadLetters([nul.id, yearZero.id]);

    for (const [id, sqlstate] of [
      [nul.id, /\((22021|22P05)\)$/],
      [yearZero.id, /\(22008\)$/],
    ] as const) {
      expect(String(header(id, HEADERS.deadLetterReason))).toMatch(/^write failed: /);
      expect(String(header(id, HEADERS.deadLetterReason))).toMatch(sqlstate);
      expect(Number(header(id, HEADERS.deadLetterAttempts))).toBeGreaterThanOrEqual(MAX_ATTEMPTS);
    }
    expect(JSON.parse(deadLetters.get(nul.id)!.content.toString())).toEqual(nul);
    expect(await logged([nul.id, yearZero.id])).toEqual([]);

    // Meanwhile, not after: every good message was written before the last delivery of the poison.
    const lastPoisonAt = Math.min(...[nul.id, yearZero.id].map((id) => Date.parse(String(header(id, HEADERS.deadLetterAt)))));
    const rows = await logged(good);
    expect(Math.max(...rows.map((r) => r.logged_at.getTime()))).toBeLessThanOrEqual(lastPoisonAt);

    // The bad batch was split to save the rest, and each poison went back MAX_ATTEMPTS - 1 times: bounded.
    expect(await metric('activity_logger_retries_total', 'kind="split"')).toBeGreaterThan(splitsBefore);
    expect((await metric('activity_logger_retries_total', 'kind="requeue"')) - requeuesBefore).toBe(2 * (MAX_ATTEMPTS - 1));
  });

  it('never stalls: afterwards nothing is left unacked, nothing is held, and new messages flow', async () => {
    const next = validNote(`after everything ${randomUUID()}`);
    await publishEvent(next);
    await eventually(async () => expect(await logged([next.id])).toHaveLength(1));
    await eventually(async () => {
      expect(await queueDepth('activity-logger')).toBe(0);
      expect(await metric('activity_logger_held_messages')).toBe(0);
    });
    expect(await queueDepth(LOGGER_DEAD_LETTER_QUEUE)).toBe(0); // every dead letter was one of ours, and taken
    expect(logger.exitStatus()).toBeNull();
    expect((await fetch(`${logger.url}/health/ready`)).status).toBe(200);
  });
});
