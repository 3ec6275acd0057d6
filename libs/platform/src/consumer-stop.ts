import type { Channel } from 'amqplib';
import { settlesWithin } from './timeout';

/**
 * Ends a consumer without losing the acks it has just sent. On a quorum queue (RabbitMQ
 * 3.10, measured: docs/decisions.md) an ack sent after basic.cancel, or just before the
 * channel closes, can be dropped: the message comes back to the queue though it was
 * settled. The queue applies basic.cancel only after every ack sent before it on the
 * channel, so the safe order is: ack all you will ack, then cancel, then close. What was
 * delivered meanwhile must simply be left unacked: closing the channel gives it back.
 */
export async function cancelThenClose(channel: Channel, consumerTag: string | undefined, cancelTimeoutMs = 1000): Promise<{ cancelled: boolean }> {
  const cancelled = consumerTag ? await settlesWithin(channel.cancel(consumerTag), cancelTimeoutMs) : true;
  await channel.close().catch(() => undefined);
  return { cancelled };
}
