import { EventEmitter } from 'node:events';
import type { ConfirmChannel, Options } from 'amqplib';
import { MandatoryPublisher } from './confirm-publisher';

/** A confirm channel whose broker answers each publish as `answer` says. */
class FakeConfirmChannel extends EventEmitter {
  published: Options.Publish[] = [];
  answer: (options: Options.Publish, routingKey: string) => 'ack' | 'nack' | 'return' | 'throw' | 'error' = () => 'ack';
  publish(exchange: string, routingKey: string, _content: Buffer, options: Options.Publish, cb: (err: unknown) => void) {
    const answer = this.answer(options, routingKey);
    if (answer === 'throw') throw new RangeError('header table too large');
    this.published.push(options);
    setImmediate(() => {
      if (answer === 'return') this.emit('return', { fields: { exchange, routingKey }, properties: { messageId: options.messageId } });
      if (answer === 'error') this.emit('error', new Error('PRECONDITION_FAILED'));
      cb(answer === 'nack' ? new Error('message nacked') : null);
    });
    return true;
  }
}

const message = (id?: string, routingKey = 'lead.created') => ({ exchange: 'crm.events', routingKey, content: Buffer.from('{}'), options: id ? { messageId: id } : {} });

describe('MandatoryPublisher', () => {
  let channel: FakeConfirmChannel;
  let publisher: MandatoryPublisher;
  beforeEach(() => {
    channel = new FakeConfirmChannel();
    publisher = new MandatoryPublisher(channel as unknown as ConfirmChannel);
  });

  it('publishes every message with mandatory, and a confirmed one is delivered', async () => {
    expect(await publisher.publish([message('a'), message('b')])).toEqual([undefined, undefined]);
    expect(channel.published).toEqual([
      { messageId: 'a', mandatory: true },
      { messageId: 'b', mandatory: true },
    ]);
  });

  it('counts a basic.return as a failure though the broker acked it', async () => {
    channel.answer = (o) => (o.messageId === 'b' ? 'return' : 'ack');
    expect(await publisher.publish([message('a'), message('b', 'lead.updated')])).toEqual([undefined, { reason: 'unroutable: no queue bound to crm.events for lead.updated' }]);
    // The return is forgotten once its message settled: the next publish of that id is judged on its own.
    channel.answer = () => 'ack';
    expect(await publisher.publish([message('b')])).toEqual([undefined]);
  });

  it('matches a return without a messageId with the messages without one', async () => {
    channel.answer = () => 'return';
    expect(await publisher.publish([message()])).toEqual([{ reason: 'unroutable: no queue bound to crm.events for lead.created' }]);
  });

  it('reports a nack, and what publish threw (kept, for the caller to tell a RangeError)', async () => {
    channel.answer = (o) => (o.messageId === 'a' ? 'nack' : 'throw');
    const [nacked, thrown] = await publisher.publish([message('a'), message('b')]);
    expect(nacked).toEqual({ reason: 'nacked: message nacked' });
    expect(thrown).toEqual({ reason: 'publish failed: header table too large', thrown: expect.any(RangeError) });
  });

  it('fails what was acked when the channel errored during the publish', async () => {
    channel.answer = (o) => (o.messageId === 'b' ? 'error' : 'ack');
    expect(await publisher.publish([message('a'), message('b')])).toEqual([{ reason: 'channel lost: PRECONDITION_FAILED' }, { reason: 'channel lost: PRECONDITION_FAILED' }]);
  });
});
