import { connect, ChannelModel, ConsumeMessage } from 'amqplib';
import { LOGGER_DEAD_LETTER_QUEUE } from '@app/contracts';
import { BrokerRotation, cancelThenClose, MandatoryPublisher } from '@app/platform';
import { ReplayMessage } from './replay.message';

/** Without a delivery for this long the browse stops: the queue had fewer messages than it said (someone else took some). */
const IDLE_MS = 1500;

/** Up to `limit` dead letters held by this process, unacked; each is acked (removed) or given back on release(). */
export interface Browse {
  /** In queue order. */
  messages: ConsumeMessage[];
  /** Ready messages in the queue when the browse began. */
  depth: number;
  /** Removes the message from the queue for good. */
  ack(msg: ConsumeMessage): void;
  /** Gives back every message not acked, in its place (closing the channel returns them). */
  release(): Promise<void>;
}

/**
 * The logger's dead-letter queue, for the `dlq` command: read, take off, purge. Never
 * declares anything: it works on the queue the logger declared, in AMQP_URL's vhost.
 */
export class DeadLetterQueue {
  private constructor(private readonly connection: ChannelModel) {}

  /** `amqpUrl`: AMQP_URL, one broker or a cluster's nodes (the first that answers). */
  static async open(amqpUrl: string): Promise<DeadLetterQueue> {
    const connection = await new BrokerRotation(amqpUrl).connect((url) => connect(url, { clientProperties: { connection_name: `activity-logger dlq (${process.pid})` } }));
    connection.on('error', () => undefined); // surfaced by the failing call instead
    return new DeadLetterQueue(connection);
  }

  /** Ready messages, or null when the queue does not exist (no logger has run in this vhost yet). */
  async depth(): Promise<number | null> {
    const channel = await this.connection.createChannel();
    channel.on('error', () => undefined); // a passive declare of a missing queue closes its channel
    try {
      return (await channel.checkQueue(LOGGER_DEAD_LETTER_QUEUE)).messageCount;
    } catch {
      return null;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /**
   * Reads without losing anything by consuming with manual acks and a prefetch of the
   * queue's depth: the messages stay unacked on our channel, and closing it gives them all
   * back at once, in their order. The consumer is cancelled only in release(), after the
   * acks (a quorum queue may drop an ack sent after the cancel: cancelThenClose); what
   * it delivers beyond `limit` meanwhile is left unacked, and given back the same way.
   * Chosen over basic.get + nack(requeue): that costs a round trip per message, and a
   * quorum queue hands a requeued message out again at once, so a get loop would not see
   * the queue's order (or even end) without holding every message anyway. A crash of this process gives them back the same way.
   * Side effect: the quorum queue counts each browse as a redelivery (x-delivery-count of
   * the dead letters goes up; the DLQ has no delivery limit, and replay drops that header).
   */
  async browse(limit: number): Promise<Browse> {
    const channel = await this.connection.createChannel();
    const { messageCount } = await channel.checkQueue(LOGGER_DEAD_LETTER_QUEUE);
    const want = Math.min(messageCount, limit);
    const messages: ConsumeMessage[] = [];
    let consumerTag: string | undefined;
    if (want > 0) {
      await channel.prefetch(want);
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      let idle = setTimeout(done, IDLE_MS * 2);
      let taking = true;
      ({ consumerTag } = await channel.consume(
        LOGGER_DEAD_LETTER_QUEUE,
        (msg) => {
          // Once the browse is over (an ack made room, a new dead letter came): not ours to show.
          if (!taking || messages.length >= want) return;
          clearTimeout(idle);
          if (!msg) return done(); // the queue was deleted
          messages.push(msg);
          if (messages.length >= want) done();
          else idle = setTimeout(done, IDLE_MS);
        },
        { noAck: false },
      ));
      await finished;
      taking = false;
      clearTimeout(idle);
    }
    return {
      messages,
      depth: messageCount,
      ack: (msg) => channel.ack(msg),
      release: async () => {
        await cancelThenClose(channel, consumerTag);
      },
    };
  }

  /**
   * Publishes each message on a confirm channel of its own and resolves with the ones the
   * broker confirmed into a queue: a nack, a basic.return (mandatory, no queue bound) or a
   * lost channel counts as failed (MandatoryPublisher says how a return is matched).
   */
  async publishConfirmed(messages: ReplayMessage[]): Promise<{ confirmed: ReplayMessage[]; failed: { message: ReplayMessage; reason: string }[] }> {
    const channel = await this.connection.createConfirmChannel();
    const failures = await new MandatoryPublisher(channel).publish(messages);
    await channel.close().catch(() => undefined);
    const confirmed: ReplayMessage[] = [];
    const failed: { message: ReplayMessage; reason: string }[] = [];
    messages.forEach((message, i) => {
      const failure = failures[i];
      if (failure) failed.push({ message, reason: failure.reason });
      else confirmed.push(message);
    });
    return { confirmed, failed };
  }

  async purge(): Promise<number> {
    const channel = await this.connection.createChannel();
    try {
      return (await channel.purgeQueue(LOGGER_DEAD_LETTER_QUEUE)).messageCount;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}
