import { connect, ChannelModel, ConfirmChannel, Message, Options } from 'amqplib';
import { BrokerRotation } from './amqp-urls';

export interface OutgoingMessage {
  /** Also the AMQP messageId: how a returned (unroutable) message is recognised. */
  id: string;
  exchange: string;
  routingKey: string;
  body: Buffer;
  properties: Options.Publish;
}

export interface PublishOutcome {
  confirmed: string[];
  /** Nacked by the broker, returned as unroutable, or lost with the channel. */
  failed: { id: string; reason: string }[];
}

/**
 * Publishes on a confirm channel with `mandatory`, pipelined: a whole batch is written
 * at once and the confirms awaited together. A message counts as delivered only when
 * the broker acked it AND did not return it: a mandatory message with no bound queue
 * is returned then acked, and must not be taken for delivered.
 * The connection is opened lazily and dropped on any error; the next call reconnects.
 */
export class ConfirmPublisher {
  private model?: ChannelModel;
  private channel?: ConfirmChannel;
  private opening?: Promise<ConfirmChannel>;
  private readonly returned = new Map<string, string>();
  private readonly brokers: BrokerRotation;

  constructor(
    /** AMQP_URL: one broker or several (the first that answers; the next when it is lost). */
    url: string,
    private readonly name: string,
    /** Declares what publishing needs (e.g. the exchange), on every new channel. */
    private readonly setup: (channel: ConfirmChannel) => Promise<void> = async () => undefined,
  ) {
    this.brokers = new BrokerRotation(url);
  }

  get connected(): boolean {
    return this.channel !== undefined;
  }

  /** Connects now (when not connected), so health reports the broker before the first publish. */
  async connect(): Promise<void> {
    await this.open();
  }

  async publish(messages: OutgoingMessage[]): Promise<PublishOutcome> {
    const channel = await this.open();
    const results = messages.map(
      (m) =>
        new Promise<{ id: string; reason?: string }>((resolve) => {
          try {
            channel.publish(m.exchange, m.routingKey, m.body, { ...m.properties, messageId: m.id, mandatory: true }, (err) =>
              resolve({ id: m.id, reason: err ? `nacked: ${String(err?.message ?? err)}` : this.returned.get(m.id) }),
            );
          } catch (e) {
            resolve({ id: m.id, reason: `publish failed: ${(e as Error).message}` });
          }
        }),
    );
    const settled = await Promise.all(results);
    const outcome: PublishOutcome = { confirmed: [], failed: [] };
    for (const r of settled) {
      this.returned.delete(r.id);
      if (r.reason) outcome.failed.push({ id: r.id, reason: r.reason });
      else outcome.confirmed.push(r.id);
    }
    // A broker nack says a queue could not take the message: with a quorum queue, its
    // leader's node went away. The channel keeps its own view of where that queue's
    // leader is, and a stale one was seen to go on nacking every publish for over a
    // minute (the cluster test) while the queue had a new leader: the next attempt gets
    // a new connection. Nacks are rare (broker trouble only), so this costs nothing else.
    if (settled.some((r) => r.reason?.startsWith('nacked'))) await this.reopen(channel);
    return outcome;
  }

  /** Closes this connection (when it is still the current one) without moving to the next broker. */
  private async reopen(channel: ConfirmChannel): Promise<void> {
    const model = this.model;
    if (this.channel !== channel || !model) return;
    this.drop();
    await model.close().catch(() => undefined);
  }

  /**
   * A queue's depth and consumer count, or null when it does not exist. On a channel of
   * its own: a passive declare of a missing queue closes the channel it runs on.
   */
  async checkQueue(queue: string): Promise<{ messages: number; consumers: number } | null> {
    await this.open();
    const model = this.model;
    if (!model) return null;
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    try {
      const q = await channel.checkQueue(queue);
      return { messages: q.messageCount, consumers: q.consumerCount };
    } catch {
      return null;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const model = this.model;
    this.drop();
    await model?.close().catch(() => undefined);
  }

  private open(): Promise<ConfirmChannel> {
    if (this.channel) return Promise.resolve(this.channel);
    this.opening ??= this.connectOnce().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async connectOnce(): Promise<ConfirmChannel> {
    const model = await this.brokers.connect((url) => connect(url, { clientProperties: { connection_name: this.name } }));
    try {
      const channel = await model.createConfirmChannel();
      await this.setup(channel);
      const lost = () => {
        if (this.model !== model) return;
        this.drop();
        this.brokers.lost();
      };
      model.on('error', lost);
      model.on('close', lost);
      channel.on('error', lost);
      channel.on('close', lost);
      // basic.return arrives before the ack of the same message on the same channel.
      channel.on('return', (msg: Message) => {
        const id = msg.properties.messageId as string | undefined;
        if (id) this.returned.set(id, `unroutable: ${msg.fields.exchange}/${msg.fields.routingKey} has no bound queue`);
      });
      this.model = model;
      this.channel = channel;
      return channel;
    } catch (e) {
      await model.close().catch(() => undefined);
      throw e;
    }
  }

  private drop() {
    this.model = undefined;
    this.channel = undefined;
  }
}
