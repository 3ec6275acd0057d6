// For the specs only (nothing in the app imports it, so it is not in the bundle).
import type { Message } from 'amqplib';
import { deadLetterFor } from '../../transport/dead-letter';

/** A message as it sits in the DLQ after the logger dead-lettered it (built by the logger's own deadLetterFor). */
export function deadLettered(body: string, properties: Message['properties'] | Record<string, unknown>, reason: string, routingKey = 'lead.created', attempts = 1): Message {
  const original = { content: Buffer.from(body), fields: { exchange: 'crm.events', routingKey }, properties } as unknown as Message;
  const { routingKey: key, options } = deadLetterFor(original, reason, attempts, new Date('2026-12-01T10:00:00.000Z'));
  const { mandatory: _m, persistent: _p, ...props } = options;
  return {
    content: original.content,
    fields: { exchange: 'crm.events.dlx', routingKey: key, deliveryTag: 1, redelivered: false },
    properties: { ...props, deliveryMode: 2, headers: { ...props.headers, 'x-delivery-count': { '!': 'long', value: 2 } } },
  } as unknown as Message;
}
