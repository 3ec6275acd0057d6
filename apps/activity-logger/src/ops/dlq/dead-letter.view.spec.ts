import type { Message } from 'amqplib';
import { EXAMPLES, messageProperties } from '@app/contracts';
import { describeDeadLetter } from './dead-letter.view';
import { deadLettered } from './dead-lettered.fixture';

describe('describeDeadLetter', () => {
  const event = EXAMPLES['lead.created'][1];

  it('reads what the logger wrote: id, type, reason and its class, attempts, when, original routing key', () => {
    const msg = deadLettered(JSON.stringify(event), messageProperties(event), 'write failed: boom (P0001)', 'lead.created', 5);
    expect(describeDeadLetter(msg)).toEqual({
      id: event.id,
      type: 'lead.created',
      reason: 'write failed: boom (P0001)',
      reasonClass: 'write_failed',
      attempts: 5,
      at: '2026-12-01T10:00:00.000Z',
      routingKey: 'lead.created',
    });
  });

  it('takes the id and type from the body when the properties lack them', () => {
    const msg = deadLettered(JSON.stringify({ ...event, dataversion: 9 }), {}, 'unknown version 9 of lead.created');
    expect(describeDeadLetter(msg)).toMatchObject({ id: event.id, type: 'lead.created', reasonClass: 'unknown_version' });
  });

  it('copes with a body that is not JSON and has no id anywhere', () => {
    const msg = deadLettered('{ oops', {}, 'not JSON: Unexpected token');
    expect(describeDeadLetter(msg)).toMatchObject({ id: null, type: 'lead.created', reasonClass: 'not_json', attempts: 1 });
  });

  it('reads a message the broker dead-lettered itself (x-death, delivery limit)', () => {
    const msg = {
      content: Buffer.from(JSON.stringify(event)),
      fields: { exchange: 'crm.events.dlx', routingKey: 'lead.created', deliveryTag: 1, redelivered: false },
      properties: {
        messageId: event.id,
        type: 'lead.created',
        headers: {
          'x-death': [
            {
              count: 1,
              reason: 'delivery_limit',
              queue: 'activity-logger',
              time: { '!': 'timestamp', value: 1_796_119_200 },
              exchange: 'crm.events',
              'routing-keys': ['lead.created'],
            },
          ],
          'x-first-death-reason': 'delivery_limit',
        },
      },
    } as unknown as Message;
    expect(describeDeadLetter(msg)).toEqual({
      id: event.id,
      type: 'lead.created',
      reason: 'broker: delivery_limit in activity-logger',
      reasonClass: 'broker_delivery_limit',
      attempts: 1,
      at: new Date(1_796_119_200_000).toISOString(),
      routingKey: 'lead.created',
    });
  });
});
