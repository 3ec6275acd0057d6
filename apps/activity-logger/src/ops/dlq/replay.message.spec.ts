import type { Message } from 'amqplib';
import { EXAMPLES, messageProperties } from '@app/contracts';
import { deadLettered } from './dead-lettered.fixture';
import { replayMessage } from './replay.message';

describe('replayMessage', () => {
  const event = EXAMPLES['opportunity.stage_changed'][1];
  const original = messageProperties(event);

  it('is the message as first published: body, routing key, properties and headers, without the dead-letter ones', () => {
    const msg = deadLettered(JSON.stringify(event), original, 'write failed: x', 'opportunity.stage_changed', 3);
    const replay = replayMessage(msg);
    expect(replay.exchange).toBe('crm.events');
    expect(replay.routingKey).toBe('opportunity.stage_changed');
    expect(replay.content).toBe(msg.content);
    const { persistent: _p, ...props } = original;
    expect(replay.options).toEqual({ ...props, persistent: true, mandatory: true });
  });

  it('drops what the broker added when it dead-lettered the message itself, and routes by x-death', () => {
    const msg = {
      content: Buffer.from('{}'),
      fields: { exchange: 'crm.events.dlx', routingKey: 'x', deliveryTag: 1, redelivered: true },
      properties: {
        messageId: 'm-1',
        headers: {
          'x-event-version': 1,
          'x-death': [{ count: 1, reason: 'delivery_limit', queue: 'activity-logger', 'routing-keys': ['task.completed'] }],
          'x-first-death-exchange': 'crm.events',
          'x-first-death-queue': 'activity-logger',
          'x-first-death-reason': 'delivery_limit',
          'x-delivery-count': 4,
        },
      },
    } as unknown as Message;
    expect(replayMessage(msg)).toMatchObject({ routingKey: 'task.completed', options: { messageId: 'm-1', headers: { 'x-event-version': 1 } } });
    expect(Object.keys(replayMessage(msg).options.headers)).toEqual(['x-event-version']);
  });
});
