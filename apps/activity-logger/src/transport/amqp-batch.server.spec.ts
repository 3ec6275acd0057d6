import { Logger } from '@nestjs/common';
import { CrmEvent, DEAD_LETTER_EXCHANGE, EXAMPLES, HEADERS, isLogChange } from '@app/contracts';
import { toRecord } from '../logs/logs.service';
import { renderEvent } from '../logs/summary.renderer';
import { badRow, eventually, note, setup, transient } from './amqp-batch.server.shared-spec';

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
