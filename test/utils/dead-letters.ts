import { ChannelModel, GetMessage } from 'amqplib';
import { LOGGER_DEAD_LETTER_QUEUE } from '@app/contracts';

/**
 * Moves the dead letters with these message ids off the logger's dead-letter queue into
 * `found`; any other message is put back, so tests sharing a vhost keep theirs.
 */
export async function takeDeadLetters(broker: ChannelModel, ids: string[], found: Map<string, GetMessage>): Promise<void> {
  const reader = await broker.createChannel();
  try {
    const others: GetMessage[] = [];
    for (;;) {
      const msg = await reader.get(LOGGER_DEAD_LETTER_QUEUE, { noAck: false });
      if (!msg) break;
      if (ids.includes(msg.properties.messageId)) {
        found.set(msg.properties.messageId, msg);
        reader.ack(msg);
      } else {
        others.push(msg);
      }
    }
    for (const msg of others) reader.nack(msg, false, true);
  } finally {
    await reader.close();
  }
}
