import type { Logger } from '@nestjs/common';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { hostname } from 'node:os';
import { LOGGER_QUEUE } from '@app/contracts';
import { backoffDelay, brokerAddress, BrokerRotation, cancelThenClose, MandatoryPublisher, quorumGroupSize, withTimeout } from '@app/platform';
import { LoggerConfig } from '../config/logger.config';
import { MetricsService } from '../health/metrics.service';
import { DeliveryLedger } from './delivery-ledger';
import { Lifecycle } from './lifecycle';
import { assertTopology } from './topology';

/** amqplib's `connect`, injected so a test can hand the server a fake broker. */
export const AMQP_CONNECT = Symbol('AMQP_CONNECT');
export type AmqpConnect = (url: string, socketOptions?: { clientProperties?: Record<string, unknown> }) => Promise<ChannelModel>;

/** One connection to the broker with its two channels; everything delivered on it dies with it. */
export interface Link {
  id: number;
  connection: ChannelModel;
  channel: Channel;
  confirm: ConfirmChannel;
  /** Publishes the dead letters on `confirm`: mandatory, a basic.return counts as a failure. */
  publisher: MandatoryPublisher;
  ledger: DeliveryLedger;
  consumerTag?: string;
  alive: boolean;
}

/** What the link tells the rest of the transport. */
export interface LinkEvents {
  /** A delivery on a live link (already in its ledger). */
  deliver(link: Link, msg: ConsumeMessage): void;
  /** The link died: drop what it had delivered (the broker has it back). */
  forget(link: Link): void;
  /** For the Server's status stream. */
  status(status: 'connected' | 'disconnected'): void;
}

/**
 * The broker link: connects over AMQP_URL's brokers (the first that answers; the next
 * when its link is lost), opens the consumer and dead-letter channels, declares the
 * topology, consumes, and reconnects with backoff by itself when the link dies (the
 * broker may also start after us).
 */
export class BrokerLink {
  private link: Link | undefined;
  private seq = 0;
  private connecting: Promise<void> | undefined;
  private readonly brokers: BrokerRotation;

  constructor(
    private readonly config: LoggerConfig,
    private readonly metrics: MetricsService,
    private readonly connect: AmqpConnect,
    private readonly lifecycle: Lifecycle,
    private readonly log: Logger,
    private readonly events: LinkEvents,
  ) {
    this.brokers = new BrokerRotation(config.AMQP_URL);
  }

  /** The link consuming now, if any. */
  get current(): Link | undefined {
    return this.link;
  }

  isConsuming(): boolean {
    return !!this.link?.alive && !!this.link.consumerTag;
  }

  /** Resolves once consuming; until then it retries with backoff. */
  connectUntilUp(): Promise<void> {
    this.connecting ??= this.connectLoop().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** For the shutdown: a connect in progress finishes (or gives up) first, within `ms`. */
  async settleConnecting(ms: number): Promise<void> {
    await withTimeout(this.connecting ?? Promise.resolve(), ms).catch(() => undefined);
  }

  /**
   * For the shutdown, after the last ack: cancels the consumer, then closes the channels
   * and the connection (that order keeps a quorum queue from dropping the acks:
   * cancelThenClose says why).
   */
  async close(link: Link): Promise<void> {
    link.alive = false; // no ack after the cancel: the queue could drop it
    this.link = undefined;
    const { cancelled } = await cancelThenClose(link.channel, link.consumerTag, 1000);
    if (!cancelled) this.log.warn({ msg: 'could not cancel the consumer before closing: a last ack may be lost (the broker redelivers, the event id dedups)' });
    await link.confirm.close().catch(() => undefined);
    await link.connection.close().catch(() => undefined);
  }

  private async connectLoop(): Promise<void> {
    for (let attempt = 0; !this.lifecycle.closing; attempt++) {
      try {
        await this.open();
        return;
      } catch (err) {
        const wait = backoffDelay(attempt, 250, 10_000);
        const error = (err as Error).message;
        if (/PRECONDITION[_-]FAILED/.test(error)) {
          // Retrying cannot fix this by itself, but an operator can (topology.ts says how): keep trying, loudly.
          this.log.error({ msg: 'the broker refused our declarations: a queue or exchange exists with other arguments', error, retry_in_ms: wait });
        } else {
          this.log.warn({ msg: 'broker unavailable: retrying', error, attempt: attempt + 1, retry_in_ms: wait });
        }
        await this.lifecycle.sleep(wait);
      }
    }
  }

  private async open(): Promise<void> {
    const connection = await this.brokers.connect((url) => this.connect(url, { clientProperties: { connection_name: `activity-logger ${hostname()}:${process.pid}` } }));
    const link = { id: ++this.seq, connection, ledger: new DeliveryLedger(), alive: true } as Link;
    // Without 'error' listeners an emitter's error event would crash the process.
    connection.on('error', (err: Error) => this.log.warn({ msg: 'broker connection error', error: err.message, link: link.id }));
    connection.on('close', () => this.lost(link, 'connection closed'));
    connection.on('blocked', (reason: string) => this.log.warn({ msg: 'broker blocked the connection', reason }));
    connection.on('unblocked', () => this.log.log({ msg: 'broker unblocked the connection' }));
    try {
      link.channel = await connection.createChannel();
      link.channel.on('error', (err: Error) => this.log.warn({ msg: 'consumer channel error', error: err.message, link: link.id }));
      link.channel.on('close', () => this.lost(link, 'consumer channel closed'));
      link.confirm = await connection.createConfirmChannel();
      link.confirm.on('error', (err: Error) => this.log.warn({ msg: 'dead-letter channel error', error: err.message, link: link.id }));
      link.confirm.on('close', () => this.lost(link, 'dead-letter channel closed'));
      link.publisher = new MandatoryPublisher(link.confirm);
      await assertTopology(connection, link.channel, quorumGroupSize(this.config.AMQP_URL));
      // Per consumer: at most this many unacked deliveries, i.e. the most the logger holds.
      await link.channel.prefetch(this.config.LOGGER_PREFETCH);
      if (this.lifecycle.closing) throw new Error('shutting down');
      this.link = link;
      const { consumerTag } = await link.channel.consume(LOGGER_QUEUE, (msg) => this.onDelivery(link, msg), { noAck: false });
      link.consumerTag = consumerTag;
    } catch (err) {
      if (this.link === link) this.link = undefined;
      link.alive = false;
      await connection.close().catch(() => undefined);
      this.brokers.lost(); // a node that accepts connections but cannot serve the queues: try the next
      throw err;
    }
    this.metrics.brokerConnected.set(1);
    this.events.status('connected');
    this.log.log({
      msg: 'consuming',
      broker: brokerAddress(this.brokers.url),
      queue: LOGGER_QUEUE,
      prefetch: this.config.LOGGER_PREFETCH,
      batch_size: this.config.LOGGER_BATCH_SIZE,
      link: link.id,
    });
  }

  private onDelivery(link: Link, msg: ConsumeMessage | null): void {
    if (msg === null) return this.lost(link, 'consumer cancelled by the broker (queue deleted?)');
    if (!link.alive) return;
    link.ledger.add(msg.fields.deliveryTag);
    this.events.deliver(link, msg);
  }

  /** The link died: forget its deliveries (the broker requeues them) and reconnect. */
  private lost(link: Link, reason: string): void {
    if (!link.alive) return;
    link.alive = false;
    const wasCurrent = this.link === link;
    if (wasCurrent) this.link = undefined;
    const dropped = link.ledger.size;
    this.events.forget(link);
    // A batch held in backoff belonged to this link: end its wait, so the batches of the
    // next link do not queue behind it.
    this.lifecycle.wake();
    void link.connection.close().catch(() => undefined);
    if (!wasCurrent || this.lifecycle.closing) return;
    this.brokers.lost();
    this.metrics.brokerConnected.set(0);
    this.events.status('disconnected');
    this.log.warn({ msg: 'broker link lost: reconnecting', reason, link: link.id, dropped_unacked: dropped });
    void this.connectUntilUp();
  }
}
