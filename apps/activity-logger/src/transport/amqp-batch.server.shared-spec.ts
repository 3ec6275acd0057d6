// The fakes and the setup shared by amqp-batch.server.spec.ts and amqp-batch.server.close.spec.ts
// (named *-spec.ts: left out of the app's build, and not a file jest runs).
import { EventEmitter } from 'node:events';
import type { ChannelModel, ConsumeMessage } from 'amqplib';
import { buildEvent, CrmEvent } from '@app/contracts';
import { LoggerConfig } from '../config/logger.config';
import { MetricsService } from '../health/metrics.service';
import { AmqpBatchServer } from './amqp-batch.server';
import { LOG_BATCH } from './transport.constants';

/** Just enough of an amqplib channel to watch what the server does with it. */
export class FakeChannel extends EventEmitter {
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

export class FakeConnection extends EventEmitter {
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

export const eventually = async (assertion: () => void, timeoutMs = 3000) => {
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

export const transient = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
export const badRow = () => Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
export const ALICE = { id: '0b8f3f4e-3f0c-4c56-9a55-2a3c7e1d0a01', name: 'Alice Admin' };
export const note = (summary = 'hello') => buildEvent('interaction.logged', { type: 'note', summary, lead_id: null, contact_id: null, opportunity_id: null, actor: ALICE });

export function setup(env: Record<string, string> = {}) {
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
