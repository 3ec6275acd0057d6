import type { Message, MessageProperties, Options } from 'amqplib';
import { HEADERS } from '@app/contracts';
import type { DeadLetterClass } from '../health/metrics.service';

/** Headers the logger adds beside the contracts' three (reason, attempts, at). */
export const ORIGINAL_EXCHANGE_HEADER = 'x-original-exchange';
export const ORIGINAL_ROUTING_KEY_HEADER = 'x-original-routing-key';
/** The quorum queue's count of earlier deliveries of this message (absent on the first). */
export const DELIVERY_COUNT_HEADER = 'x-delivery-count';

/** Long enough for every zod issue of a sane message, far below the 64 KiB header table. */
const MAX_REASON_LENGTH = 2000;

/** This delivery's number: 1 on the first, 1 + the broker's count of earlier ones after. */
export function deliveryAttempt(msg: Pick<Message, 'properties'>): number {
  const raw: unknown = msg.properties.headers?.[DELIVERY_COUNT_HEADER];
  const value = typeof raw === 'object' && raw !== null && 'value' in raw ? raw.value : raw;
  const count = Number(value ?? 0);
  return Number.isFinite(count) && count >= 0 ? Math.floor(count) + 1 : 1;
}

/** The reason's class, for the metric label: from the prefixes parseEvent and the logger use. */
export function deadLetterClass(reason: string): DeadLetterClass {
  if (reason.startsWith('not JSON')) return 'not_json';
  if (reason.startsWith('invalid envelope')) return 'invalid_envelope';
  if (reason.startsWith('unknown event type')) return 'unknown_type';
  if (reason.startsWith('unknown version')) return 'unknown_version';
  if (/^invalid \S+ v\d+ data/.test(reason)) return 'invalid_data';
  if (reason.startsWith('write failed')) return 'write_failed';
  return 'other';
}

export interface DeadLetter {
  routingKey: string;
  options: Options.Publish;
}

/**
 * The copy published to the dead-letter exchange: same body, same properties and
 * headers, plus why, after how many deliveries, when and from where. Routing key = the
 * original one. Two properties are not carried over: `expiration` (a dead letter must
 * wait for ops, not vanish) and `userId` (the broker checks it against the publishing
 * connection's user and would refuse the copy).
 */
// amqplib types a received message's properties `any`: they are the options it was published with.
type ReceivedProperties = Omit<Options.Publish, 'headers'> & Pick<MessageProperties, 'headers'> & { clusterId?: string };

export function deadLetterFor(msg: Message, reason: string, attempts: number, at: Date, keepHeaders = true): DeadLetter {
  const { expiration: _expiration, userId: _userId, clusterId: _clusterId, headers, deliveryMode: _mode, ...kept } = msg.properties as ReceivedProperties;
  const original = keepHeaders ? { ...headers } : {};
  delete original[DELIVERY_COUNT_HEADER]; // the broker's, about the source queue: stated by x-dead-letter-attempts
  const options: Options.Publish = {
    ...withoutUndefined(kept),
    persistent: true,
    mandatory: true,
    headers: {
      ...original,
      [HEADERS.deadLetterReason]: truncate(reason, MAX_REASON_LENGTH),
      [HEADERS.deadLetterAttempts]: attempts,
      [HEADERS.deadLetterAt]: at.toISOString(),
      [ORIGINAL_EXCHANGE_HEADER]: msg.fields.exchange, // '' when sent straight to the queue
      [ORIGINAL_ROUTING_KEY_HEADER]: msg.fields.routingKey,
    },
  };
  return { routingKey: msg.fields.routingKey, options };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}
