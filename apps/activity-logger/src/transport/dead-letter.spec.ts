import type { Message } from 'amqplib';
import { HEADERS, parseEvent } from '@app/contracts';
import { deadLetterClass, deadLetterFor, deliveryAttempt } from './dead-letter';

const message = (headers: Record<string, unknown> = {}, props: Record<string, unknown> = {}): Message => ({
  content: Buffer.from('{oops'),
  fields: { deliveryTag: 7, redelivered: false, exchange: 'crm.events', routingKey: 'lead.created' },
  properties: {
    contentType: 'application/cloudevents+json',
    contentEncoding: undefined,
    headers,
    deliveryMode: 2,
    priority: undefined,
    correlationId: 'c-1',
    replyTo: undefined,
    expiration: undefined,
    messageId: 'm-1',
    timestamp: 1795000000,
    type: 'lead.created',
    userId: undefined,
    appId: undefined,
    clusterId: undefined,
    ...props,
  },
});

describe('deliveryAttempt', () => {
  it('is 1 on a first delivery (no x-delivery-count yet)', () => {
    expect(deliveryAttempt(message())).toBe(1);
  });
  it("adds the quorum queue's count of earlier deliveries", () => {
    expect(deliveryAttempt(message({ 'x-delivery-count': 4 }))).toBe(5);
    expect(deliveryAttempt(message({ 'x-delivery-count': { '!': 'long', value: 2 } }))).toBe(3);
    expect(deliveryAttempt(message({ 'x-delivery-count': 'nonsense' }))).toBe(1);
  });
});

describe('deadLetterClass', () => {
  it.each([
    ['{oops', 'not_json'],
    ['{}', 'invalid_envelope'],
  ])('classes parseEvent(%p)', (body, cls) => {
    const parsed = parseEvent(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(deadLetterClass(parsed.reason)).toBe(cls);
  });
  it.each([
    ['unknown event type: lead.exploded', 'unknown_type'],
    ['unknown version 9 of lead.created', 'unknown_version'],
    ['invalid lead.created v1 data: name: Too small', 'invalid_data'],
    ['write failed: invalid byte sequence for encoding "UTF8": 0x00 (22021)', 'write_failed'],
    ['something else', 'other'],
  ])('classes %p as %s', (reason, cls) => {
    expect(deadLetterClass(reason)).toBe(cls);
  });
});

describe('deadLetterFor', () => {
  const at = new Date('2026-11-27T12:00:00.000Z');

  it('keeps the routing key, body properties and headers, and adds why, attempts, when and where from', () => {
    const dl = deadLetterFor(message({ 'x-event-version': 1, 'x-delivery-count': 2 }), 'not JSON: Unexpected token', 3, at);
    expect(dl.routingKey).toBe('lead.created');
    expect(dl.options).toEqual({
      contentType: 'application/cloudevents+json',
      correlationId: 'c-1',
      messageId: 'm-1',
      timestamp: 1795000000,
      type: 'lead.created',
      persistent: true,
      mandatory: true,
      headers: {
        'x-event-version': 1,
        [HEADERS.deadLetterReason]: 'not JSON: Unexpected token',
        [HEADERS.deadLetterAttempts]: 3,
        [HEADERS.deadLetterAt]: '2026-11-27T12:00:00.000Z',
        'x-original-exchange': 'crm.events',
        'x-original-routing-key': 'lead.created',
      },
    });
    expect(Object.keys(HEADERS)).toEqual(expect.arrayContaining(['deadLetterReason', 'deadLetterAttempts', 'deadLetterAt']));
  });

  it('drops expiration and userId, which would lose or refuse the copy', () => {
    const dl = deadLetterFor(message({}, { expiration: '60000', userId: 'someone' }), 'x', 1, at);
    expect(dl.options).not.toHaveProperty('expiration');
    expect(dl.options).not.toHaveProperty('userId');
  });

  it('bounds the reason so the header table stays small', () => {
    const dl = deadLetterFor(message(), `invalid lead.created v1 data: ${'x'.repeat(10_000)}`, 1, at);
    expect((dl.options.headers[HEADERS.deadLetterReason] as string).length).toBe(2000);
  });

  it('can leave the original headers out (when they are too large to carry)', () => {
    const dl = deadLetterFor(message({ big: 'y' }), 'x', 1, at, false);
    expect(dl.options.headers).not.toHaveProperty('big');
    expect(dl.options.headers[HEADERS.deadLetterReason]).toBe('x');
  });
});
