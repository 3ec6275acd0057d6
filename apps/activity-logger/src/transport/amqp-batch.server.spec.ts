import { Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import { buildEvent, CrmEvent, DEAD_LETTER_EXCHANGE, EXAMPLES, HEADERS, isLogChange } from '@app/contracts';
import { LoggerConfig } from '../config/logger.config';
import { toRecord } from '../logs/logs.service';
import { renderEvent } from '../logs/summary.renderer';
import { MetricsService } from '../health/metrics.service';
import { AmqpBatchServer } from './amqp-batch.server';
import { SHUTDOWN_GRACE_MS, SHUTDOWN_IN_FLIGHT_MS } from './shutdown';
import { LOG_BATCH } from './transport.constants';

/** Just enough of an amqplib channel to watch what the server does with it. */
class FakeChannel extends EventEmitter {
  acks: { tag: number; multiple: boolean }[] = [];
  nacks: { tag: number; requeue: boolean }[] = [];
  published: { exchange: string; routingKey: string; content: Buffer; options: Record<string, any> }[] = [];
  consumer?: (msg: ConsumeMessage | null) => void;
  cancelled = false;
  closed = false;
  /** ack, nack, cancel and close, in the order they were sent. */
  calls: string[] = [];
  assertExchange = jest.fn(async () => ({}));
  assertQueue = jest.fn(async () => ({}));
  // A fresh vhost: the topology finds no queue and declares both.
  checkQueue = jest.fn(async () => Promise.reject(new Error('NOT_FOUND')));
  bindQueue = jest.fn(async () => ({}));
  prefetch = jest.fn(async () => ({}));
  async consume(_queue: string, onMessage: (msg: ConsumeMessage | null) => void) {
    this.consumer = onMessage;
    return { consumerTag: 'ctag' };
  }
  async cancel() {
    this.calls.push('cancel');
    this.cancelled = true;
    return { consumerTag: 'ctag' };
  }
  ack(msg: ConsumeMessage, multiple = false) {
    if (this.closed) throw new Error('Channel closed');
    this.calls.push(`ack ${msg.fields.deliveryTag}`);
    this.acks.push({ tag: msg.fields.deliveryTag, multiple });
  }
  nack(msg: ConsumeMessage, _allUpTo = false, requeue = true) {
    if (this.closed) throw new Error('Channel closed');
    this.nacks.push({ tag: msg.fields.deliveryTag, requeue });
  }
  publish(exchange: string, routingKey: string, content: Buffer, options: Record<string, any>, cb: (err: unknown) => void) {
    this.published.push({ exchange, routingKey, content, options });
    setImmediate(() => cb(null));
    return true;
  }
  async close() {
    this.calls.push('close');
    this.die();
  }
  die() {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

class FakeConnection extends EventEmitter {
  channel = new FakeChannel();
  confirm = new FakeChannel();
  closed = false;
  private channels = 0;
  /** The first is the consumer channel; later ones (the topology's passive checks) are throwaways. */
  async createChannel() {
    return this.channels++ === 0 ? this.channel : new FakeChannel();
  }
  async createConfirmChannel() {
    return this.confirm;
  }
  async close() {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

const eventually = async (assertion: () => void, timeoutMs = 3000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return assertion();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
};

const transient = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
const badRow = () => Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
const ALICE = { id: '0b8f3f4e-3f0c-4c56-9a55-2a3c7e1d0a01', name: 'Alice Admin' };
const note = (summary = 'hello') => buildEvent('interaction.logged', { type: 'note', summary, lead_id: null, contact_id: null, opportunity_id: null, actor: ALICE });

function setup(env: Record<string, string> = {}) {
  const config = LoggerConfig.load({ LOGGER_BATCH_SIZE: '3', LOGGER_FLUSH_MS: '10', LOGGER_MAX_ATTEMPTS: '3', LOG_LEVEL: 'error', ...env });
  const metrics = new MetricsService();
  const connections: FakeConnection[] = [];
  const connect = jest.fn(async () => {
    const c = new FakeConnection();
    connections.push(c);
    return c as unknown as ChannelModel;
  });
  const server = new AmqpBatchServer(config, metrics, connect);
  const batches: string[][] = [];
  let behaviour: (events: CrmEvent[]) => void | Promise<void> = () => undefined;
  server.addHandler(
    LOG_BATCH,
    async (events: CrmEvent[]) => {
      batches.push(events.map((e) => e.id));
      await behaviour(events);
      return { written: events.map((e) => e.id), duplicates: 0 };
    },
    true,
  );
  const current = () => connections[connections.length - 1];
  let tag = 0;
  const deliver = (body: unknown, headers: Record<string, unknown> = {}, conn = current()) => {
    tag += 1;
    const content = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    conn.channel.consumer!({
      content,
      fields: { deliveryTag: tag, redelivered: false, exchange: 'crm.events', routingKey: (body as CrmEvent).type ?? 'lead.created', consumerTag: 'ctag' },
      properties: { headers, messageId: (body as CrmEvent).id, correlationId: (body as CrmEvent).correlationid },
    } as unknown as ConsumeMessage);
    return tag;
  };
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passes the listen error on as it came
  const start = () => new Promise<void>((resolve, reject) => server.listen((err?: unknown) => (err ? reject(err) : resolve())));
  const resetTags = () => (tag = 0);
  return { server, metrics, connect, connections, current, deliver, start, batches, resetTags, fail: (f: typeof behaviour) => (behaviour = f) };
}

describe('AmqpBatchServer', () => {
  let ctx: ReturnType<typeof setup>;
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(async () => {
    await ctx?.server.close();
  });

  it('declares the topology, sets the prefetch and consumes', async () => {
    ctx = setup({ LOGGER_PREFETCH: '123' });
    await ctx.start();
    const ch = ctx.current().channel;
    expect(ch.assertQueue).toHaveBeenCalledWith('activity-logger', expect.objectContaining({ durable: true, arguments: expect.objectContaining({ 'x-queue-type': 'quorum' }) }));
    expect(ch.prefetch).toHaveBeenCalledWith(123);
    expect(ctx.server.isConsuming()).toBe(true);
  });

  it('writes a full batch at once and acks it with one multiple ack', async () => {
    ctx = setup();
    await ctx.start();
    const events = [note('a'), note('b'), note('c')];
    events.forEach((e) => ctx.deliver(e));
    await eventually(() => expect(ctx.current().channel.acks).toEqual([{ tag: 3, multiple: true }]));
    expect(ctx.batches).toEqual([events.map((e) => e.id)]);
  });

  it('flushes a partial batch after LOGGER_FLUSH_MS', async () => {
    // A lower bound only: a timer never fires early, however loaded the machine, while
    // "not yet written after 5 ms" breaks as soon as those 5 ms take 20.
    ctx = setup({ LOGGER_FLUSH_MS: '200' });
    await ctx.start();
    let writtenAt = 0;
    ctx.fail(() => void (writtenAt = Date.now()));
    const sentAt = Date.now();
    ctx.deliver(note());
    await eventually(() => expect(ctx.current().channel.acks).toEqual([{ tag: 1, multiple: false }]));
    expect(ctx.batches).toHaveLength(1);
    expect(writtenAt - sentAt).toBeGreaterThanOrEqual(199);
  });

  it('dead-letters an unreadable message at once, with the reason, and acks it', async () => {
    ctx = setup();
    await ctx.start();
    ctx.deliver('{oops', { 'x-delivery-count': 0 });
    await eventually(() => expect(ctx.current().channel.acks).toEqual([{ tag: 1, multiple: false }]));
    const [dl] = ctx.current().confirm.published;
    expect(dl.exchange).toBe(DEAD_LETTER_EXCHANGE);
    expect(dl.routingKey).toBe('lead.created');
    expect(dl.content.toString()).toBe('{oops');
    expect(dl.options.headers).toMatchObject({ [HEADERS.deadLetterReason]: expect.stringMatching(/^not JSON/), [HEADERS.deadLetterAttempts]: 1 });
    expect(ctx.batches).toHaveLength(0);
    expect(await ctx.metrics.deadLettered.get()).toMatchObject({ values: [{ labels: { reason_class: 'not_json' }, value: 1 }] });
  });

  it('gives a dead letter the broker returned (no queue bound to the DLX) back to the queue, unacked', async () => {
    ctx = setup();
    await ctx.start();
    const confirm = ctx.current().confirm;
    confirm.publish = (exchange, routingKey, content, options, cb) => {
      confirm.published.push({ exchange, routingKey, content, options });
      setImmediate(() => {
        confirm.emit('return', { fields: { exchange, routingKey }, properties: options });
        cb(null); // acked after the return, as the broker does
      });
      return true;
    };
    ctx.deliver('{oops');
    await eventually(() => expect(ctx.current().channel.nacks).toEqual([{ tag: 1, requeue: true }]));
    expect(confirm.published[0].options.mandatory).toBe(true);
    expect(ctx.current().channel.acks).toEqual([]);
    expect(await ctx.metrics.deadLettered.get()).toMatchObject({ values: [] });
  });

  it('acks valid messages individually while an earlier unreadable one is still being dead-lettered', async () => {
    ctx = setup();
    await ctx.start();
    const confirm = ctx.current().confirm;
    const callbacks: ((err: unknown) => void)[] = [];
    confirm.publish = (exchange, routingKey, content, options, cb) => {
      confirm.published.push({ exchange, routingKey, content, options });
      callbacks.push(cb); // the broker has not confirmed yet
      return true;
    };
    ctx.deliver('{oops');
    [note(), note(), note()].forEach((e) => ctx.deliver(e));
    await eventually(() => expect(ctx.current().channel.acks).toEqual([2, 3, 4].map((tag) => ({ tag, multiple: false }))));
    callbacks.forEach((cb) => cb(null));
    await eventually(() => expect(ctx.current().channel.acks).toContainEqual({ tag: 1, multiple: false }));
  });

  it('holds a batch while the database is away, acking nothing, and writes it when it is back', async () => {
    ctx = setup();
    await ctx.start();
    let failures = 2;
    ctx.fail(() => {
      if (failures-- > 0) throw transient();
    });
    [note(), note(), note()].forEach((e) => ctx.deliver(e));
    await eventually(() => expect(ctx.batches.length).toBeGreaterThanOrEqual(2));
    expect(ctx.current().channel.acks).toEqual([]);
    expect((await ctx.metrics.held.get()).values[0].value).toBe(3);
    await eventually(() => expect(ctx.current().channel.acks).toEqual([{ tag: 3, multiple: true }]));
    expect(ctx.batches).toHaveLength(3);
    expect(ctx.current().channel.nacks).toEqual([]);
    expect((await ctx.metrics.held.get()).values[0].value).toBe(0);
  });

  it('isolates a message that fails on its own: the others are acked, it goes back to the queue', async () => {
    ctx = setup();
    await ctx.start();
    const poison = note('poison');
    ctx.fail((events) => {
      if (events.some((e) => e.id === poison.id)) throw badRow();
    });
    ctx.deliver(note());
    ctx.deliver(poison);
    ctx.deliver(note());
    await eventually(() => expect(ctx.current().channel.nacks).toEqual([{ tag: 2, requeue: true }]));
    expect(ctx.current().channel.acks).toEqual([
      { tag: 1, multiple: false },
      { tag: 3, multiple: false },
    ]);
    expect(ctx.current().confirm.published).toHaveLength(0);
  });

  it('dead-letters a message that failed on its own once its delivery count reaches LOGGER_MAX_ATTEMPTS', async () => {
    ctx = setup({ LOGGER_MAX_ATTEMPTS: '3' });
    await ctx.start();
    ctx.fail(() => {
      throw badRow();
    });
    const poison = note('poison');
    ctx.deliver(poison, { 'x-delivery-count': 2 }); // third delivery
    await eventually(() => expect(ctx.current().channel.acks).toEqual([{ tag: 1, multiple: false }]));
    const [dl] = ctx.current().confirm.published;
    expect(dl.routingKey).toBe('interaction.logged');
    expect(dl.options.headers).toMatchObject({
      [HEADERS.deadLetterReason]: 'write failed: invalid byte sequence for encoding "UTF8": 0x00 (22021)',
      [HEADERS.deadLetterAttempts]: 3,
    });
    expect(ctx.current().channel.nacks).toEqual([]);
  });

  it('reconnects when the channel dies, dropping what it had delivered (the broker redelivers)', async () => {
    ctx = setup();
    await ctx.start();
    ctx.fail(() => {
      throw transient();
    });
    [note(), note(), note()].forEach((e) => ctx.deliver(e));
    await eventually(() => expect(ctx.batches.length).toBeGreaterThanOrEqual(1));
    const old = ctx.current();
    old.channel.die();
    await eventually(() => expect(ctx.connect).toHaveBeenCalledTimes(2));
    await eventually(() => expect(ctx.server.isConsuming()).toBe(true));
    expect(old.closed).toBe(true);
    expect(ctx.server.held()).toBe(0);
    // The database is back and the broker redelivers on the new channel.
    ctx.fail(() => undefined);
    ctx.resetTags();
    const redelivered = [note(), note(), note()];
    redelivered.forEach((e) => ctx.deliver(e));
    await eventually(() => expect(ctx.current().channel.acks).toEqual([{ tag: 3, multiple: true }]));
    expect(old.channel.acks).toEqual([]);
  });

  it('on close writes and acks what it holds, and only then cancels the consumer and closes (a quorum queue drops acks sent after a cancel)', async () => {
    ctx = setup({ LOGGER_FLUSH_MS: '60000' });
    await ctx.start();
    const conn = ctx.current();
    ctx.deliver(note());
    ctx.deliver(note());
    await ctx.server.close();
    expect(ctx.batches).toHaveLength(1);
    expect(conn.channel.calls).toEqual(['ack 2', 'cancel', 'close']);
    expect(conn.channel.acks).toEqual([{ tag: 2, multiple: true }]);
    expect(conn.closed).toBe(true);
  });

  it('on close takes no new work: what the broker delivers while it finishes is left unacked, for the channel close to give back', async () => {
    ctx = setup({ LOGGER_FLUSH_MS: '60000' });
    await ctx.start();
    const conn = ctx.current();
    let commit: () => void = () => undefined;
    ctx.fail(() => new Promise<void>((resolve) => (commit = resolve)));
    const held = note();
    ctx.deliver(held);
    const closed = ctx.server.close();
    await eventually(() => expect(ctx.batches).toHaveLength(1)); // writing what it held
    ctx.deliver(note()); // the consumer is still there until the last ack
    commit();
    await closed;
    expect(ctx.batches).toEqual([[held.id]]);
    expect(conn.channel.calls).toEqual(['ack 1', 'cancel', 'close']);
  });

  describe('on close, a batch statement still running when the grace period ends', () => {
    /** Two messages held by a statement that answers only when `commit` is called. */
    async function closeDuringSlowStatement() {
      ctx = setup({ LOGGER_FLUSH_MS: '60000' });
      await ctx.start();
      const conn = ctx.current();
      let commit: () => void = () => undefined;
      ctx.fail(() => new Promise<void>((resolve) => (commit = resolve)));
      ctx.deliver(note());
      ctx.deliver(note());
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      const closed = ctx.server.close();
      await jest.advanceTimersByTimeAsync(SHUTDOWN_GRACE_MS + 10);
      return { conn, closed, commit: () => commit() };
    }
    afterEach(() => jest.useRealTimers());

    it('is waited for: what it commits is acked before the channel closes (not written and redelivered)', async () => {
      const { conn, closed, commit } = await closeDuringSlowStatement();
      await jest.advanceTimersByTimeAsync(SHUTDOWN_IN_FLIGHT_MS - 500); // a commit that takes seconds
      expect(conn.closed).toBe(false);
      commit();
      await jest.advanceTimersByTimeAsync(0);
      await closed;
      expect(conn.channel.acks).toEqual([{ tag: 2, multiple: true }]);
      expect(conn.closed).toBe(true);
    });

    it('is waited for only so long: the link closes with nothing acked, and the broker redelivers', async () => {
      const { conn, closed } = await closeDuringSlowStatement();
      await jest.advanceTimersByTimeAsync(SHUTDOWN_IN_FLIGHT_MS + 10);
      await closed;
      expect(conn.channel.acks).toEqual([]);
      expect(conn.closed).toBe(true);
    });
  });

  it('renders every canonical example through the handler', async () => {
    ctx = setup({ LOGGER_BATCH_SIZE: '100' });
    await ctx.start();
    // The handler does what LogsService does with a batch: the real renderer, per event.
    const rendered: ReturnType<typeof toRecord>[] = [];
    ctx.fail((events) => void rendered.push(...events.map(toRecord)));
    // (The changes of a log render nothing: log-changes.ts applies them.)
    const examples = (Object.values(EXAMPLES).flatMap((byVersion) => Object.values(byVersion)) as CrmEvent[]).filter((e) => !isLogChange(e.type));
    examples.forEach((e) => ctx.deliver(e));
    await eventually(() => expect(ctx.batches).toEqual([examples.map((e) => e.id)]));
    expect(rendered.map((r) => r.id)).toEqual(examples.map((e) => e.id));
    for (const [i, r] of rendered.entries()) {
      expect({ type: examples[i].type, summary: r.summary }).toEqual({ type: examples[i].type, summary: expect.stringMatching(/\S/) });
      expect(r.summary).toBe(renderEvent(examples[i]).summary);
      expect(['call', 'email', 'meeting', 'note']).toContain(r.type);
      expect(['auto', 'manual']).toContain(r.source);
    }
    expect(ctx.current().channel.nacks).toEqual([]);
    expect(ctx.current().confirm.published).toEqual([]); // nothing dead-lettered
  });
});
