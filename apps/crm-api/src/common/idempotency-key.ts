import { createHash } from 'node:crypto';
import { DomainError } from './domain-error';

/** The request header, as clients spell it (Stripe's). */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** A stored answer is replayed for at least this long; older rows count as absent. */
export const IDEMPOTENCY_TTL_HOURS = 24;

const KEY = /^[\x20-\x7e]{1,255}$/;

/**
 * The key of a request: undefined without the header, else 1–255 printable ASCII
 * characters (a UUID is what clients usually send), or a 400 naming the header.
 */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header.join(', ') : header;
  if (!KEY.test(value)) throw DomainError.invalid(`${IDEMPOTENCY_HEADER}: 1 to 255 printable ASCII characters (a UUID is a good choice)`);
  return value;
}

/** JSON with every object's keys sorted: two bodies that differ only in key order are one. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What makes two requests "the same": the method, the route with its parameters (so
 * /api/leads/ and /api/leads are one, and one key cannot be reused on another lead),
 * and the parsed body. A retry must match it, else 422.
 */
export function fingerprintOf(method: string, route: string, params: unknown, body: unknown): string {
  return createHash('sha256')
    .update(`${method}\n${route}\n${stableJson(params ?? {})}\n${stableJson(body ?? null)}`)
    .digest('hex');
}

/** The 64-bit advisory lock that one caller's key takes while its request runs. */
export function lockIdOf(userId: string, key: string): string {
  return createHash('sha256').update(`idempotency\n${userId}\n${key}`).digest().readBigInt64BE(0).toString();
}
