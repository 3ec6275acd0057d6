import type { Message, MessageProperties, Options } from 'amqplib';
import { EXCHANGE } from '@app/contracts';
import { DEAD_LETTER_HEADERS, originalRoutingKey } from './dead-letter.view';

export interface ReplayMessage {
  exchange: string;
  routingKey: string;
  content: Buffer;
  options: Options.Publish;
}

/**
 * The message as it was first published: same body, routing key and properties, back
 * to `crm.events`, without what dead-lettering added. The logger's dedup on the event id
 * makes a replay of something already logged write nothing; other services bound to
 * `crm.events` see it again too, and dedup the same way (docs/contracts.md).
 */
// amqplib types a received message's properties `any`: they are the options it was published with.
type ReceivedProperties = Omit<Options.Publish, 'headers'> & Pick<MessageProperties, 'headers'>;

export function replayMessage(msg: Pick<Message, 'fields' | 'properties' | 'content'>): ReplayMessage {
  const { headers, contentType, contentEncoding, correlationId, messageId, timestamp, type, appId, priority, replyTo } = msg.properties as ReceivedProperties;
  const kept: Record<string, unknown> = { ...headers };
  for (const name of DEAD_LETTER_HEADERS) delete kept[name];
  const properties: Options.Publish = { contentType, contentEncoding, correlationId, messageId, timestamp, type, appId, priority, replyTo };
  for (const key of Object.keys(properties) as (keyof Options.Publish)[]) if (properties[key] === undefined || properties[key] === null) delete properties[key];
  return {
    exchange: EXCHANGE,
    routingKey: originalRoutingKey(msg),
    content: msg.content,
    // mandatory: a message no queue takes comes back (basic.return) and is not acked off the DLQ.
    options: { ...properties, headers: kept, persistent: true, mandatory: true },
  };
}
