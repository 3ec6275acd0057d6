import { connect, ChannelModel, ConfirmChannel, Message, Options } from 'amqplib';
import { BrokerRotation } from './amqp-urls';

/** One message for a confirm channel. */
export interface MandatoryMessage {
  exchange: string;
  routingKey: string;
  content: Buffer;
  options: Options.Publish;
}

/** Why a message is not in a queue. */
export interface PublishFailure {
  reason: string;
  /** What channel.publish threw, e.g. amqplib's RangeError for a header table over 64 KiB. */
  thrown?: unknown;
}

/**
 * The one place that publishes with `mandatory` and counts basic.return as a failure
 * (the relay, the logger's dead letters and the dlq tool all publish through it). A
 * message counts as delivered only when the broker acked it AND did not return it: a
 * mandatory message with no bound queue is returned, then acked. Pipelined: a whole
 * batch is written at once and the confirms awaited together.
 *
 * basic.return arrives before the ack of the same message on the same channel, and names
 * it by its messageId alone: while any message of an id is awaiting its confirm, a
 * return of that id fails every one of them (conservative: they are sent again). An
 * error on the channel during a publish fails what it had not failed already.
 */
export class MandatoryPublisher {
  /** Returns seen for ids still awaiting a confirm; the reason to report. */
  private readonly returned = new Map<string, string>();
  /** Messages of each id awaiting a confirm. */
  private readonly pending = new Map<string, number>();
  /** Errors seen on the channel, and the last one's message. */
  private errors = 0;
  private lastError = '';

  constructor(readonly channel: ConfirmChannel) {
    channel.on('return', (msg: Message) => {
      const key = idKey(msg.properties.messageId as string | undefined);
      if (this.pending.has(key)) this.returned.set(key, `unroutable: no queue bound to ${msg.fields.exchange} for ${msg.fields.routingKey}`);
    });
    // A listener of ours beside the owner's: this one only remembers why.
    channel.on('error', (err: Error) => {
      this.errors++;
      this.lastError = err.message;
    });
  }

  /** Resolves once each message is settled: undefined where a queue took it, else why not. */
  async publish(messages: MandatoryMessage[]): Promise<(PublishFailure | undefined)[]> {
    const errorsBefore = this.errors;
    const keys = messages.map((m) => idKey(m.options.messageId));
    for (const key of keys) this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    const settled = await Promise.all(
      messages.map((m, i) =>
        new Promise<PublishFailure | undefined>((resolve) => {
          try {
            this.channel.publish(m.exchange, m.routingKey, m.content, { ...m.options, mandatory: true }, (err?: Error | null) =>
              resolve(err ? { reason: `nacked: ${String(err?.message ?? err)}` } : undefined),
            );
          } catch (thrown) {
            resolve({ reason: `publish failed: ${(thrown as Error).message}`, thrown });
          }
        }).then((failure) => {
          // Read at the confirm: the return (if any) came before it, and a later publish of
          // the same id must not be failed by this one's return (it is kept while pending).
          const returned = this.returned.get(keys[i]);
          return failure ?? (returned ? { reason: returned } : undefined);
        }),
      ),
    );
    for (const key of keys) {
      const left = (this.pending.get(key) ?? 1) - 1;
      if (left > 0) this.pending.set(key, left);
      else {
        this.pending.delete(key);
        this.returned.delete(key);
      }
    }
    const lost = this.errors !== errorsBefore ? `channel lost: ${this.lastError}` : undefined;
    return settled.map((failure) => failure ?? (lost ? { reason: lost } : undefined));
  }
}

/** A message without a messageId is matched with returns without one. */
const idKey = (id: string | undefined) => String(id ?? '');

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
 * The relay's publisher: a connection of its own (AMQP_URL's brokers, the first that
 * answers) with one confirm channel, published on through MandatoryPublisher. The
 * connection is opened lazily and dropped on any error; the next call reconnects.
 */
export class ConfirmPublisher {
  private model?: ChannelModel;
  private sender?: MandatoryPublisher;
  private opening?: Promise<MandatoryPublisher>;
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
    return this.sender !== undefined;
  }

  /** Connects now (when not connected), so health reports the broker before the first publish. */
  async connect(): Promise<void> {
    await this.open();
  }

  async publish(messages: OutgoingMessage[]): Promise<PublishOutcome> {
    const sender = await this.open();
    const failures = await sender.publish(
      messages.map((m) => ({ exchange: m.exchange, routingKey: m.routingKey, content: m.body, options: { ...m.properties, messageId: m.id } })),
    );
    const outcome: PublishOutcome = { confirmed: [], failed: [] };
    messages.forEach((m, i) => {
      const failure = failures[i];
      if (failure) outcome.failed.push({ id: m.id, reason: failure.reason });
      else outcome.confirmed.push(m.id);
    });
    // A broker nack says a queue could not take the message: with a quorum queue, its
    // leader's node went away. The channel keeps its own view of where that queue's
    // leader is, and a stale one was seen to go on nacking every publish for over a
    // minute (the cluster test) while the queue had a new leader: the next attempt gets
    // a new connection. Nacks are rare (broker trouble only), so this costs nothing else.
    if (failures.some((f) => f?.reason.startsWith('nacked'))) await this.reopen(sender);
    return outcome;
  }

  /** Closes this connection (when it is still the current one) without moving to the next broker. */
  private async reopen(sender: MandatoryPublisher): Promise<void> {
    const model = this.model;
    if (this.sender !== sender || !model) return;
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

  private open(): Promise<MandatoryPublisher> {
    if (this.sender) return Promise.resolve(this.sender);
    this.opening ??= this.connectOnce().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async connectOnce(): Promise<MandatoryPublisher> {
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
      this.model = model;
      this.sender = new MandatoryPublisher(channel);
      return this.sender;
    } catch (e) {
      await model.close().catch(() => undefined);
      throw e;
    }
  }

  private drop() {
    this.model = undefined;
    this.sender = undefined;
  }
}
