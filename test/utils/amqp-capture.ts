import { connect, ConsumeMessage, MessageProperties } from 'amqplib';
import { EXCHANGE } from '@app/contracts';
import { eventually, EventuallyOptions } from './eventually';

export interface CapturedMessage {
  routingKey: string;
  properties: MessageProperties;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: any;
}

export interface AmqpCapture {
  readonly messages: CapturedMessage[];
  /** Waits until a captured message matches, and returns it. */
  waitFor(predicate: (m: CapturedMessage) => boolean, options?: EventuallyOptions): Promise<CapturedMessage>;
  close(): Promise<void>;
}

function parse(msg: ConsumeMessage): any {
  const text = msg.content.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Binds an exclusive, auto-deleted queue of its own to `crm.events` and records every
 * message routed to it: a witness of what crossed the broker, beside the logger's queue.
 */
export async function amqpCapture(amqpUrl: string, bindingKey = '#'): Promise<AmqpCapture> {
  const connection = await connect(amqpUrl);
  try {
    // Whoever declares the exchange first wins; when crm-api has, check it without
    // redeclaring (different arguments would close the channel, or worse, crm-api's).
    const probe = await connection.createChannel();
    probe.on('error', () => undefined);
    const exists = await probe.checkExchange(EXCHANGE).then(
      () => true,
      () => false,
    );
    if (exists) await probe.close();
    const channel = await connection.createChannel();
    if (!exists) await channel.assertExchange(EXCHANGE, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    await channel.bindQueue(queue, EXCHANGE, bindingKey);
    const messages: CapturedMessage[] = [];
    await channel.consume(
      queue,
      (msg) => {
        if (msg) messages.push({ routingKey: msg.fields.routingKey, properties: msg.properties, body: parse(msg) });
      },
      { noAck: true },
    );
    return {
      messages,
      waitFor: (predicate, options) =>
        eventually(() => {
          const found = messages.find(predicate);
          if (!found) throw new Error(`no matching message among ${messages.length} captured (${messages.map((m) => m.routingKey).join(', ')})`);
          return found;
        }, options),
      close: async () => {
        await connection.close().catch(() => undefined);
      },
    };
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw err;
  }
}
