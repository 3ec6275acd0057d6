import type { Channel, ChannelModel } from 'amqplib';
import { DEAD_LETTER_EXCHANGE, EXCHANGE, LOGGER_DEAD_LETTER_QUEUE, LOGGER_QUEUE } from '@app/contracts';

/**
 * The broker's safety net above LOGGER_MAX_ATTEMPTS (at most 20, config): a message
 * returned this many times without the logger dead-lettering it itself (say the process
 * crashes on it every time) is dead-lettered by the broker, with an `x-death` header
 * instead of ours. A constant, not derived from configuration: a queue's arguments
 * cannot change once declared (PRECONDITION_FAILED), so they must not follow a setting.
 */
export const QUEUE_DELIVERY_LIMIT = 50;

/** Arguments of the `activity-logger` queue. Changing any of these needs a migration plan (new queue + shovel). */
export const LOGGER_QUEUE_ARGUMENTS = {
  // Replicated (Raft) and durable when RabbitMQ runs as a cluster; counts deliveries
  // (x-delivery-count), which the logger reads to cap retries of a bad message.
  'x-queue-type': 'quorum',
  // Where the broker itself dead-letters (delivery limit reached, or a reject without
  // requeue): the same exchange the logger publishes its own dead letters to.
  'x-dead-letter-exchange': DEAD_LETTER_EXCHANGE,
  // See QUEUE_DELIVERY_LIMIT.
  'x-delivery-limit': QUEUE_DELIVERY_LIMIT,
} as const;

export const DEAD_LETTER_QUEUE_ARGUMENTS = {
  // Dead letters are kept until ops replays or drops them: replicated like the source.
  'x-queue-type': 'quorum',
} as const;

/**
 * Declares (idempotently) everything the logger consumes from or dead-letters to, in the
 * connection's vhost. Redeclaring with the same arguments is a no-op, so every replica
 * runs this at every (re)connect.
 *
 * `groupSize` (quorumGroupSize: AMQP_URL's nodes, at most 3) is how many replicas a queue
 * gets when it is created. The broker compares it like any argument, so a queue that
 * already exists is not redeclared at all: one created before (without it, or by a
 * process with another URL list) keeps working, and is grown with `rabbitmq-queues grow`.
 */
export async function assertTopology(connection: ChannelModel, channel: Channel, groupSize = 1): Promise<void> {
  const withGroup = (args: Record<string, unknown>) => ({ ...args, 'x-quorum-initial-group-size': groupSize });
  // Topic, durable: crm-api publishes each event with its type as the routing key.
  await channel.assertExchange(EXCHANGE, 'topic', { durable: true });
  // Topic too: dead letters keep their original routing key, so a later consumer can
  // bind to the dead letters of one event type only. Our queue binds to all of them.
  await channel.assertExchange(DEAD_LETTER_EXCHANGE, 'topic', { durable: true });
  if (!(await queueExists(connection, LOGGER_DEAD_LETTER_QUEUE))) {
    await channel.assertQueue(LOGGER_DEAD_LETTER_QUEUE, { durable: true, arguments: withGroup(DEAD_LETTER_QUEUE_ARGUMENTS) });
  }
  await channel.bindQueue(LOGGER_DEAD_LETTER_QUEUE, DEAD_LETTER_EXCHANGE, '#');
  if (!(await queueExists(connection, LOGGER_QUEUE))) {
    await channel.assertQueue(LOGGER_QUEUE, { durable: true, arguments: withGroup(LOGGER_QUEUE_ARGUMENTS) });
  }
  // Every event type ends up in the feed (or, if the logger cannot read it, in the DLQ).
  await channel.bindQueue(LOGGER_QUEUE, EXCHANGE, '#');
}

/** A passive declare, on a channel of its own: a missing queue closes the channel it is asked on. */
async function queueExists(connection: ChannelModel, queue: string): Promise<boolean> {
  const channel = await connection.createChannel();
  channel.on('error', () => undefined);
  try {
    await channel.checkQueue(queue);
    return true;
  } catch {
    return false;
  } finally {
    await channel.close().catch(() => undefined);
  }
}
