import type { Message } from 'amqplib';
import { HEADERS } from '@app/contracts';
import { deadLetterClass, DELIVERY_COUNT_HEADER, ORIGINAL_EXCHANGE_HEADER, ORIGINAL_ROUTING_KEY_HEADER } from '../../transport/dead-letter';

/** What an operator needs to know about one dead letter, read from its headers (and body when the properties say nothing). */
export interface DeadLetterView {
  /** The AMQP messageId, else the body's event id; null when neither exists. */
  id: string | null;
  type: string;
  reason: string;
  /** Coarse reason, for the counts: the logger's metric classes, or `broker_<reason>` for one the broker dead-lettered. */
  reasonClass: string;
  attempts: number | null;
  /** ISO 8601, or null when unknown. */
  at: string | null;
  /** Where replay sends it: `crm.events` with this routing key. */
  routingKey: string;
}

/**
 * Headers added on the way to the dead-letter queue, by the logger (ours) or by the broker
 * (`x-death` and friends), plus the quorum queue's delivery count. None of them belongs to
 * the event: a replayed message goes out without them.
 */
export const DEAD_LETTER_HEADERS: readonly string[] = [
  HEADERS.deadLetterReason,
  HEADERS.deadLetterAttempts,
  HEADERS.deadLetterAt,
  ORIGINAL_EXCHANGE_HEADER,
  ORIGINAL_ROUTING_KEY_HEADER,
  DELIVERY_COUNT_HEADER,
  'x-death',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-last-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
];

type Headers = Record<string, unknown>;

/** amqplib hands some header values over wrapped ({ '!': 'long', value }) or as bytes. */
export function scalar(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value && typeof value === 'object' && 'value' in value) return scalar(value.value);
  return value;
}

const text = (v: unknown): string | undefined => {
  const s = scalar(v);
  return typeof s === 'string' && s !== '' ? s : undefined;
};

const count = (v: unknown): number | undefined => {
  const n = Number(scalar(v));
  return v !== undefined && v !== null && Number.isFinite(n) ? n : undefined;
};

/** The newest entry of the broker's own dead-letter record, when the broker dead-lettered it. */
function lastDeath(headers: Headers): Headers | undefined {
  const deaths = headers['x-death'];
  return Array.isArray(deaths) && deaths.length > 0 && deaths[0] && typeof deaths[0] === 'object' ? (deaths[0] as Headers) : undefined;
}

function isoTime(v: unknown): string | undefined {
  const s = scalar(v);
  if (s instanceof Date) return s.toISOString();
  if (typeof s === 'number') return new Date(s * 1000).toISOString(); // AMQP timestamps are seconds
  if (typeof s === 'string' && !Number.isNaN(Date.parse(s))) return new Date(s).toISOString();
  return undefined;
}

function bodyFields(content: Buffer): { id?: string; type?: string } {
  try {
    const parsed: unknown = JSON.parse(content.toString('utf8'));
    if (parsed && typeof parsed === 'object') {
      const { id, type } = parsed as { id?: unknown; type?: unknown };
      return { id: text(id), type: text(type) };
    }
  } catch {
    // not JSON: the properties are all there is
  }
  return {};
}

/** The routing key the message first came with, from our header, else the broker's record, else the one it has now. */
export function originalRoutingKey(msg: Pick<Message, 'fields' | 'properties'>): string {
  const headers = (msg.properties.headers ?? {}) as Headers;
  const death = lastDeath(headers);
  const keys = death?.['routing-keys'];
  return text(headers[ORIGINAL_ROUTING_KEY_HEADER]) ?? (Array.isArray(keys) ? text(keys[0]) : undefined) ?? msg.fields.routingKey;
}

export function describeDeadLetter(msg: Pick<Message, 'fields' | 'properties' | 'content'>): DeadLetterView {
  const headers = (msg.properties.headers ?? {}) as Headers;
  const body = bodyFields(msg.content);
  const death = lastDeath(headers);
  const ours = text(headers[HEADERS.deadLetterReason]);
  const brokerReason = text(death?.reason);
  const reason = ours ?? (brokerReason ? `broker: ${brokerReason} in ${text(death?.queue) ?? '?'}` : 'unknown (no dead-letter headers)');
  return {
    id: text(msg.properties.messageId) ?? body.id ?? null,
    type: text(msg.properties.type) ?? body.type ?? msg.fields.routingKey,
    reason,
    reasonClass: ours ? deadLetterClass(ours) : brokerReason ? `broker_${brokerReason}` : 'unknown',
    attempts: count(headers[HEADERS.deadLetterAttempts]) ?? count(death?.count) ?? null,
    at: isoTime(headers[HEADERS.deadLetterAt]) ?? isoTime(death?.time) ?? null,
    routingKey: originalRoutingKey(msg),
  };
}
