// AmqpBatchServer's close: what it holds is written and acked before the channel closes, within the grace period.
import { Logger } from '@nestjs/common';
import { SHUTDOWN_GRACE_MS, SHUTDOWN_IN_FLIGHT_MS } from './shutdown';
import { eventually, note, setup } from './amqp-batch.server.shared-spec';

describe('AmqpBatchServer', () => {
  let ctx: ReturnType<typeof setup>;
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(async () => {
    await ctx?.server.close();
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
});
