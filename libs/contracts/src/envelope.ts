import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CONTENT_TYPE, HEADERS } from './amqp';
import { compileFastCheck, FastCheck } from './fast-check';
import { CURRENT_VERSION, EVENT_SCHEMAS, EventDataMap, EventType, isEventType, schemaFor } from './registry';
import { Timestamp, Uuid } from './primitives';

/**
 * CloudEvents 1.0, structured JSON mode. Extension attributes (lower-case, as the
 * spec requires): `dataversion` the payload's schema version, `correlationid` shared
 * by every event of one user action (a lead conversion emits several).
 */
export const EnvelopeBase = z.object({
  specversion: z.literal('1.0'),
  id: Uuid,
  source: z.string().min(1),
  type: z.string().min(1),
  time: Timestamp,
  datacontenttype: z.literal('application/json'),
  subject: z.string().optional(),
  dataversion: z.number().int().positive(),
  correlationid: Uuid,
  data: z.unknown(),
});

export interface CrmEvent<K extends EventType = EventType> {
  specversion: '1.0';
  id: string;
  source: string;
  type: K;
  time: string;
  datacontenttype: 'application/json';
  subject?: string;
  dataversion: number;
  correlationid: string;
  data: EventDataMap[K];
}

export const EVENT_SOURCE = '/crm-api';

export interface BuildOptions {
  id?: string;
  time?: Date | string;
  correlationId?: string;
  subject?: string;
}

/** Builds an event of the current version; the type parameter ties payload to routing key. */
export function buildEvent<K extends EventType>(type: K, data: EventDataMap[K], opts: BuildOptions = {}): CrmEvent<K> {
  const time = opts.time instanceof Date ? opts.time.toISOString() : (opts.time ?? new Date().toISOString());
  return {
    specversion: '1.0',
    id: opts.id ?? randomUUID(),
    source: EVENT_SOURCE,
    type,
    time,
    datacontenttype: 'application/json',
    ...(opts.subject ? { subject: opts.subject } : {}),
    dataversion: CURRENT_VERSION[type],
    correlationid: opts.correlationId ?? randomUUID(),
    data,
  };
}

/** The AMQP properties every message carries (amqplib's Options.Publish shape, kept plain). */
export function messageProperties(event: Pick<CrmEvent, 'id' | 'type' | 'time' | 'dataversion' | 'correlationid'>) {
  return {
    messageId: event.id,
    type: event.type,
    contentType: CONTENT_TYPE,
    // AMQP's timestamp is unsigned seconds: before 1970 it cannot be encoded, so it is
    // left out rather than making the message unpublishable (`time` in the body is exact).
    ...(Date.parse(event.time) >= 0 ? { timestamp: Math.floor(Date.parse(event.time) / 1000) } : {}),
    correlationId: event.correlationid,
    persistent: true,
    headers: { [HEADERS.version]: event.dataversion, [HEADERS.correlationId]: event.correlationid },
  };
}

export type ParseFailure = { ok: false; reason: string };
export type ParseResult = { ok: true; event: CrmEvent } | ParseFailure;

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/**
 * The contracts compiled into plain predicates (fast-check.ts): the envelope, and each
 * type's each version's payload, keyed `type@version`. A predicate answers true only for
 * a value zod would accept and return unchanged; a schema it cannot compile is left out
 * (zod alone then judges it). test/unit/contracts/fast-check.spec.ts holds them to zod.
 */
const FAST_ENVELOPE = compileFastCheck(EnvelopeBase);
const FAST_DATA = new Map<string, FastCheck>();
for (const type of Object.keys(EVENT_SCHEMAS) as EventType[]) {
  for (const [version, schema] of Object.entries(EVENT_SCHEMAS[type] as Record<string, z.ZodType>)) {
    const check = compileFastCheck(schema);
    if (check) FAST_DATA.set(`${type}@${version}`, check);
  }
}

/** The types and versions whose payloads have a compiled check (for the tests). */
export const fastCheckedPayloads = (): string[] => [...FAST_DATA.keys()];

/**
 * Parses and validates a message body. Never throws: every failure comes back with a
 * reason fit for a dead-letter header. A failure here is permanent (retrying cannot fix it).
 *
 * A plain valid message (every field as the contract says, no key it does not name) is
 * recognised by the compiled checks and returned as parsed: zod would have answered the
 * same value, copied (~40 % of this function's time and most of its garbage, profiled in a
 * drain). Anything else goes through zod as before, which accepts it (stripping what it
 * strips) or says why not: the same answers and the same reasons either way.
 */
export function parseEvent(body: Buffer | string): ParseResult {
  const json = parseJson(body);
  if (json instanceof NotJson) return json.result;
  if (FAST_ENVELOPE !== null && FAST_ENVELOPE(json)) {
    const e = json as { type: string; dataversion: number; data: unknown };
    const check = FAST_DATA.get(`${e.type}@${e.dataversion}`);
    if (check !== undefined && check(e.data)) return { ok: true, event: json as CrmEvent };
  }
  return parseWithZod(json);
}

/** parseEvent through zod alone, as it was before the compiled checks: the reference they are held to. */
export function parseEventByZod(body: Buffer | string): ParseResult {
  const json = parseJson(body);
  return json instanceof NotJson ? json.result : parseWithZod(json);
}

/** A body that is not JSON, with the failure parseEvent answers for it. */
class NotJson {
  constructor(readonly result: ParseResult) {}
}

function parseJson(body: Buffer | string): unknown {
  try {
    return JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (e) {
    return new NotJson({ ok: false, reason: `not JSON: ${(e as Error).message}` });
  }
}

function parseWithZod(json: unknown): ParseResult {
  const envelope = EnvelopeBase.safeParse(json);
  if (!envelope.success) return { ok: false, reason: `invalid envelope: ${describe(envelope.error)}` };
  const { type, dataversion } = envelope.data;
  if (!isEventType(type)) return { ok: false, reason: `unknown event type: ${type}` };
  const schema = schemaFor(type, dataversion);
  if (!schema) return { ok: false, reason: `unknown version ${dataversion} of ${type}` };
  const data = schema.safeParse(envelope.data.data);
  if (!data.success) return { ok: false, reason: `invalid ${type} v${dataversion} data: ${describe(data.error)}` };
  return { ok: true, event: { ...envelope.data, type, data: data.data } as CrmEvent };
}
