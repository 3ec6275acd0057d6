import type { ConsumeMessage } from 'amqplib';
import { DeadLetterQueue } from '../../apps/activity-logger/src/ops/dlq/dead-letter.queue';

/**
 * Moves the dead letters with these message ids off the logger's dead-letter queue into
 * `found`; any other message is given back, so tests sharing a vhost keep theirs. Through
 * the `dlq` command's own reader: a basic.get, ack and close can lose the acks on a quorum
 * queue (the message comes back), which its browse and release are built to avoid.
 */
export async function takeDeadLetters(amqpUrl: string, ids: string[], found: Map<string, ConsumeMessage>): Promise<void> {
  const dlq = await DeadLetterQueue.open(amqpUrl);
  try {
    const browse = await dlq.browse(Number.MAX_SAFE_INTEGER);
    for (const msg of browse.messages) {
      if (!ids.includes(msg.properties.messageId)) continue;
      found.set(msg.properties.messageId, msg);
      browse.ack(msg);
    }
    await browse.release();
  } finally {
    await dlq.close();
  }
}
