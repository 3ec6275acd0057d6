import { Inject, Injectable, Logger } from '@nestjs/common';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { hostname } from 'node:os';
import { lastValueFrom } from 'rxjs';
import { CrmEvent, DEAD_LETTER_EXCHANGE, HEADERS, LOGGER_QUEUE, parseEvent } from '@app/contracts';
import { backoffDelay, brokerAddress, BrokerRotation, cancelThenClose, quorumGroupSize, settlesWithin, withTimeout } from '@app/platform';
import { LoggerConfig } from '../config/logger.config';
import { MetricsService } from '../health/metrics.service';
import type { WriteOutcome } from '../logs/logs.service';
import { classifyWriteError, describeWriteError } from '../logs/write-errors';
import { Batcher } from './batcher';
import { deadLetterClass, deadLetterFor, deliveryAttempt } from './dead-letter';
import { DeliveryLedger } from './delivery-ledger';
import { assertTopology } from './topology';
import { LOG_BATCH } from './transport.constants';

/** amqplib's `connect`, injected so a test can hand the server a fake broker. */
export const AMQP_CONNECT = Symbol('AMQP_CONNECT');
export type AmqpConnect = (url: string, socketOptions?: { clientProperties?: Record<string, unknown> }) => Promise<ChannelModel>;

/** How long close() keeps writing held batches before leaving those not begun to the broker. */
export const SHUTDOWN_GRACE_MS = 4000;
/**
 * After the grace: how long close() still waits for statements already sent. One may yet
 * commit (a slow disk, a lock just released), and closing the channel first would leave
 * its rows written and its messages unacked. With the cancel (1 s) after it, this stays
 * under the process's hard exit (10 s, main.ts).
 */
export const SHUTDOWN_IN_FLIGHT_MS = 3000;

/** One connection to the broker with its two channels; everything delivered on it dies with it. */
interface Link {
  id: number;
  connection: ChannelModel;
  channel: Channel;
  confirm: ConfirmChannel;
  ledger: DeliveryLedger;
  consumerTag?: string;
  alive: boolean;
  /** basic.return count on the confirm channel: a dead letter nobody could route. */
  returns: number;
}

interface Delivery {
  link: Link;
  msg: ConsumeMessage;
  event: CrmEvent;
}

type BatchHandler = (events: CrmEvent[]) => Promise<unknown>;

/**
 * A Nest transport strategy on amqplib for the `activity-logger` quorum queue. The
 * built-in RMQ transport hands over one message at a time and knows no dead-letter
 * reasons; this one:
 *
 * - consumes with manual acks and a prefetch window, and validates every message
 *   against the contracts; one that cannot be read is dead-lettered at once, with why;
 * - hands valid events to the LOG_BATCH handler in batches (size or time), and acks a
 *   batch only after the handler committed it (one multiple-ack when it can);
 * - holds a batch while the database is away (backoff, nothing acked); isolates the
 *   message of a batch that fails for its own reasons, and requeues it until its
 *   delivery count reaches LOGGER_MAX_ATTEMPTS, then dead-letters it;
 * - reconnects by itself, dropping what the dead channel had delivered (the broker
 *   redelivers it; the event id makes that harmless);
 * - on close, takes no new work, writes and acks what it holds, and only then cancels
 *   the consumer and closes (that order keeps a quorum queue from dropping the acks:
 *   cancelThenClose says why).
 */
@Injectable()
export class AmqpBatchServer extends Server implements CustomTransportStrategy {
  private readonly log = new Logger(AmqpBatchServer.name);
  private readonly batcher: Batcher<Delivery>;
  /** Sealed batches, written one at a time; the head is the one being written. */
  private readonly queue: Delivery[][] = [];
  private readonly pendingDeadLetters = new Set<Promise<void>>();
  private readonly sleepers = new Set<() => void>();
  private link: Link | undefined;
  private linkSeq = 0;
  private connecting: Promise<void> | undefined;
  /** Batches being written, each by its own writer (at most LOGGER_WRITERS). */
  private readonly writing = new Map<Delivery[], Promise<void>>();
  private closing = false;
  private closed: Promise<void> | undefined;
  /** Set when the shutdown grace period ran out: held batches stop retrying. */
  private giveUp = false;
  /** AMQP_URL's brokers: the first that answers; the next one when its link is lost. */
  private readonly brokers: BrokerRotation;

  constructor(
    private readonly config: LoggerConfig,
    private readonly metrics: MetricsService,
    @Inject(AMQP_CONNECT) private readonly connect: AmqpConnect,
  ) {
    super();
    this.brokers = new BrokerRotation(config.AMQP_URL);
    this.batcher = new Batcher(config.LOGGER_BATCH_SIZE, config.LOGGER_FLUSH_MS, (batch) => {
      this.queue.push(batch);
      this.pump();
    });
  }

  /** Consuming right now (for readiness). */
  isConsuming(): boolean {
    return !!this.link?.alive && !!this.link.consumerTag;
  }

  /** Valid messages received and not settled yet. */
  held(): number {
    const count = (batches: Iterable<Delivery[]>) => [...batches].reduce((n, b) => n + b.length, 0);
    return this.batcher.length + count(this.queue) + count(this.writing.keys());
  }

  listen(callback: (err?: unknown) => void): void {
    if (!this.getHandlerByPattern(LOG_BATCH)) {
      callback(new Error(`no handler for ${LOG_BATCH}: is LogsController registered?`));
      return;
    }
    // Resolves once consuming; until then it retries with backoff (the broker may start after us).
    this.connectUntilUp().then(() => callback(), callback);
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.closing = true;
      this.closed = this.shutdown();
    }
    return this.closed;
  }

  on(): never {
    throw new Error('AmqpBatchServer does not expose broker events');
  }

  unwrap<T>(): T {
    return this.link?.connection as T;
  }

  // ---- connection ------------------------------------------------------------------

  private connectUntilUp(): Promise<void> {
    this.connecting ??= this.connectLoop().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connectLoop(): Promise<void> {
    for (let attempt = 0; !this.closing; attempt++) {
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
        await this.sleep(wait);
      }
    }
  }

  private async open(): Promise<void> {
    const connection = await this.brokers.connect((url) =>
      this.connect(url, { clientProperties: { connection_name: `activity-logger ${hostname()}:${process.pid}` } }),
    );
    const link = { id: ++this.linkSeq, connection, ledger: new DeliveryLedger(), alive: true, returns: 0 } as Link;
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
      link.confirm.on('return', () => link.returns++);
      await assertTopology(connection, link.channel, quorumGroupSize(this.config.AMQP_URL));
      // Per consumer: at most this many unacked deliveries, i.e. the most the logger holds.
      await link.channel.prefetch(this.config.LOGGER_PREFETCH);
      if (this.closing) throw new Error('shutting down');
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
    this._status$.next('connected');
    this.log.log({ msg: 'consuming', broker: brokerAddress(this.brokers.url), queue: LOGGER_QUEUE, prefetch: this.config.LOGGER_PREFETCH, batch_size: this.config.LOGGER_BATCH_SIZE, link: link.id });
  }

  /** The link died: forget its deliveries (the broker requeues them) and reconnect. */
  private lost(link: Link, reason: string): void {
    if (!link.alive) return;
    link.alive = false;
    const wasCurrent = this.link === link;
    if (wasCurrent) this.link = undefined;
    const dropped = link.ledger.size;
    this.batcher.discard((d) => d.link === link);
    for (let i = 0; i < this.queue.length; i++) this.queue[i] = this.queue[i].filter((d) => d.link !== link);
    // Batches being written are trimmed in place: their writers skip (and never ack) the
    // dead link's deliveries anyway, and held() counts these arrays.
    for (const batch of this.writing.keys()) {
      const kept = batch.filter((d) => d.link !== link);
      batch.splice(0, batch.length, ...kept);
    }
    this.updateHeld();
    // A batch held in backoff belonged to this link: end its wait, so the batches of the
    // next link do not queue behind it.
    this.wake();
    void link.connection.close().catch(() => undefined);
    if (!wasCurrent || this.closing) return;
    this.brokers.lost();
    this.metrics.brokerConnected.set(0);
    this._status$.next('disconnected');
    this.log.warn({ msg: 'broker link lost: reconnecting', reason, link: link.id, dropped_unacked: dropped });
    void this.connectUntilUp();
  }

  // ---- consuming -------------------------------------------------------------------

  private onDelivery(link: Link, msg: ConsumeMessage | null): void {
    if (msg === null) return this.lost(link, 'consumer cancelled by the broker (queue deleted?)');
    if (!link.alive) return;
    link.ledger.add(msg.fields.deliveryTag);
    // Stopping: the consumer stays until our last ack (see shutdown), so the broker may
    // still deliver. Left unacked, it goes back to the queue when the channel closes.
    if (this.closing) return;
    this.metrics.consumed.inc();
    const parsed = parseEvent(msg.content);
    if (!parsed.ok) {
      void this.deadLetter(link, msg, parsed.reason);
      return;
    }
    this.batcher.add({ link, msg, event: parsed.event });
    this.updateHeld();
  }

  /** Starts writers for queued batches, up to LOGGER_WRITERS at once; acks follow each commit. */
  private pump(): void {
    while (this.writing.size < this.config.LOGGER_WRITERS && this.queue.length > 0) {
      const batch = this.queue.shift()!;
      const writer = this.writeBatch(batch)
        .catch((err) => {
          // A bug of ours, not the database's: give the messages back rather than sit on them.
          this.log.error({ msg: 'unexpected error writing a batch: requeueing it', error: (err as Error).message, stack: (err as Error).stack });
          batch.forEach((d) => this.nack(d.link, d.msg));
        })
        .finally(() => {
          this.writing.delete(batch);
          this.updateHeld();
          this.pump();
        });
      this.writing.set(batch, writer);
    }
  }

  private async writeBatch(batch: Delivery[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      // Deliveries of a channel that died meanwhile are the broker's again.
      batch = batch.filter((d) => d.link.alive);
      if (batch.length === 0 || this.giveUp) return;
      try {
        const outcome = (await this.handle(batch.map((d) => d.event))) as WriteOutcome | undefined;
        this.ack(batch);
        this.logWritten(batch, outcome);
        return;
      } catch (err) {
        if (classifyWriteError(err) === 'transient') {
          // Capped at a few seconds: a held batch should land soon after the database is back.
          const wait = backoffDelay(attempt, 100, 5_000);
          this.metrics.retried.inc({ kind: 'backoff' });
          this.log.warn({ msg: 'database unavailable: holding the batch', batch_size: batch.length, held: this.held(), attempt: attempt + 1, retry_in_ms: wait, error: describeWriteError(err) });
          await this.sleep(wait);
          continue;
        }
        if (batch.length === 1) return this.failedAlone(batch[0], err);
        this.metrics.retried.inc({ kind: 'split' });
        this.log.warn({ msg: 'batch failed: retrying its messages one by one', size: batch.length, error: describeWriteError(err) });
        for (const d of batch) await this.writeBatch([d]);
        return;
      }
    }
  }

  /** Calls the LOG_BATCH handler through Nest (pipes, interceptors, filters) and waits for its result. */
  private async handle(events: CrmEvent[]): Promise<unknown> {
    const handler = this.getHandlerByPattern(LOG_BATCH) as BatchHandler | null;
    if (!handler) throw new Error(`no handler for ${LOG_BATCH}`);
    return lastValueFrom(this.transformToObservable(await handler(events)), { defaultValue: undefined });
  }

  /** A message that failed on its own: back to the queue, or to the dead letters once it has had its chances. */
  private async failedAlone(d: Delivery, err: unknown): Promise<void> {
    if (!d.link.alive) return; // the broker has it back already
    const attempt = deliveryAttempt(d.msg);
    const reason = `write failed: ${describeWriteError(err)}`;
    if (attempt >= this.config.LOGGER_MAX_ATTEMPTS) return this.deadLetter(d.link, d.msg, reason);
    this.metrics.retried.inc({ kind: 'requeue' });
    this.log.warn({ msg: 'message failed on its own: returned to the queue', ...ids(d.msg, d.event), attempt, max_attempts: this.config.LOGGER_MAX_ATTEMPTS, error: reason });
    this.nack(d.link, d.msg);
  }

  // ---- dead letters ----------------------------------------------------------------

  private deadLetter(link: Link, msg: ConsumeMessage, reason: string): Promise<void> {
    const pending: Promise<void> = this.publishDeadLetter(link, msg, reason)
      .catch((err) => this.log.error({ msg: 'dead-letter bookkeeping failed', error: (err as Error).message }))
      .finally(() => this.pendingDeadLetters.delete(pending));
    this.pendingDeadLetters.add(pending);
    return pending;
  }

  private async publishDeadLetter(link: Link, msg: ConsumeMessage, reason: string): Promise<void> {
    const attempts = deliveryAttempt(msg);
    try {
      await this.publishConfirmed(link, msg, reason, attempts);
    } catch (err) {
      this.log.error({ msg: 'could not dead-letter: returning the message to the queue', ...ids(msg), reason, error: (err as Error).message });
      // Not at once: a broken dead-letter route must not turn into a hot loop.
      await this.sleep(backoffDelay(attempts, 500, 10_000));
      this.nack(link, msg);
      return;
    }
    this.ack([{ link, msg }]);
    this.metrics.deadLettered.inc({ reason_class: deadLetterClass(reason) });
    this.log.warn({ msg: 'dead-lettered', ...ids(msg), routing_key: msg.fields.routingKey, reason, attempts });
  }

  /** Publishes the copy on the confirm channel and resolves once the broker has it in a queue. */
  private async publishConfirmed(link: Link, msg: ConsumeMessage, reason: string, attempts: number): Promise<void> {
    if (!link.alive) throw new Error('channel closed');
    const returnsBefore = link.returns;
    const publish = (keepHeaders: boolean) =>
      new Promise<void>((resolve, reject) => {
        const { routingKey, options } = deadLetterFor(msg, reason, attempts, new Date(), keepHeaders);
        link.confirm.publish(DEAD_LETTER_EXCHANGE, routingKey, msg.content, options, (err) => (err ? reject(err) : resolve()));
      });
    try {
      await publish(true);
    } catch (err) {
      // amqplib refuses a header table over 64 KiB: carry only ours then.
      if (!(err instanceof RangeError)) throw err;
      await publish(false);
    }
    // mandatory + a basic.return before the confirm: no queue took it. Any return during
    // our publish counts (they only happen when the DLQ binding is gone, so all fail alike).
    if (link.returns !== returnsBefore) throw new Error(`unroutable: no queue bound to ${DEAD_LETTER_EXCHANGE}`);
  }

  // ---- settling --------------------------------------------------------------------

  private ack(deliveries: { link: Link; msg: ConsumeMessage }[]): void {
    const byLink = new Map<Link, Map<number, ConsumeMessage>>();
    for (const { link, msg } of deliveries) {
      if (!link.alive) continue;
      const tags = byLink.get(link) ?? new Map<number, ConsumeMessage>();
      tags.set(msg.fields.deliveryTag, msg);
      byLink.set(link, tags);
    }
    for (const [link, tags] of byLink) {
      const plan = link.ledger.settle([...tags.keys()]);
      try {
        if ('upTo' in plan) link.channel.ack(tags.get(plan.upTo)!, true);
        else for (const tag of plan.each) link.channel.ack(tags.get(tag)!);
      } catch (err) {
        // The channel is closing under us: the broker redelivers, the event id dedups.
        this.log.warn({ msg: 'ack failed: the broker will redeliver', error: (err as Error).message, link: link.id });
      }
    }
  }

  private nack(link: Link, msg: ConsumeMessage): void {
    if (!link.alive || !link.ledger.drop(msg.fields.deliveryTag)) return;
    try {
      link.channel.nack(msg, false, true);
    } catch (err) {
      this.log.warn({ msg: 'nack failed: the broker will redeliver', ...ids(msg), error: (err as Error).message });
    }
  }

  private logWritten(batch: Delivery[], outcome: WriteOutcome | undefined): void {
    const written = new Set(outcome?.written ?? []);
    this.log.debug({ msg: 'batch written', size: batch.length, written: written.size, duplicates: outcome?.duplicates ?? 0 });
    if (this.config.LOG_LEVEL !== 'debug') return;
    for (const d of batch) {
      this.log.debug({ msg: written.has(d.event.id) ? 'logged' : 'duplicate skipped', ...ids(d.msg, d.event), event_type: d.event.type });
    }
  }

  private updateHeld(): void {
    this.metrics.held.set(this.held());
  }

  // ---- shutdown --------------------------------------------------------------------

  private async shutdown(): Promise<void> {
    // From here onDelivery takes nothing new (this.closing): what is held is all there is.
    this.log.log({ msg: 'stopping: taking no new work, writing what is held', held: this.held() });
    this.wake(); // a pending reconnect backoff ends now
    await withTimeout(this.connecting ?? Promise.resolve(), 2000).catch(() => undefined);
    const link = this.link;
    this.batcher.flush();
    const drained = await settlesWithin(this.drain(), SHUTDOWN_GRACE_MS);
    if (!drained) {
      // Batches not begun stay unwritten (the broker redelivers them); those in a backoff wait end now.
      this.giveUp = true;
      this.wake();
      this.log.warn({ msg: 'shutdown: grace period over, leaving batches not begun to the broker', held: this.held(), in_flight: this.writing.size });
      // A statement in flight commits or fails; either way its answer decides ack or redelivery.
      const settled = await settlesWithin(Promise.all(this.writing.values()), SHUTDOWN_IN_FLIGHT_MS);
      if (!settled) {
        this.log.warn({ msg: 'shutdown: a batch statement is still running; closing anyway (if it commits, the redelivered copies are skipped as duplicates)' });
      }
    }
    if (link) {
      link.alive = false; // no ack after the cancel: the queue could drop it
      this.link = undefined;
      const { cancelled } = await cancelThenClose(link.channel, link.consumerTag, 1000);
      if (!cancelled) this.log.warn({ msg: 'could not cancel the consumer before closing: a last ack may be lost (the broker redelivers, the event id dedups)' });
      await link.confirm.close().catch(() => undefined);
      await link.connection.close().catch(() => undefined);
    }
    this.metrics.brokerConnected.set(0);
    this._status$.next('disconnected');
    this.log.log({ msg: 'transport closed', drained });
  }

  private async drain(): Promise<void> {
    while (this.writing.size > 0 || this.queue.length > 0 || this.pendingDeadLetters.size > 0) {
      await Promise.all([...this.writing.values(), ...this.pendingDeadLetters]);
      this.pump();
    }
  }

  /** A delay that shutdown can cut short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  private wake(): void {
    [...this.sleepers].forEach((done) => done());
  }
}

/**
 * The ids every log line about a message carries: the event's own, or for a message that
 * failed validation whatever its properties or its body still say.
 */
function ids(msg: ConsumeMessage, event?: CrmEvent): { event_id?: string; correlation_id?: string } {
  if (event) return { event_id: event.id, correlation_id: event.correlationid };
  const header = (msg.properties.headers as Record<string, unknown> | undefined)?.[HEADERS.correlationId];
  let body: { id?: unknown; correlationid?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(msg.content.toString('utf8'));
    if (parsed && typeof parsed === 'object') body = parsed as typeof body;
  } catch {
    // not JSON: the properties are all there is
  }
  const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  return {
    event_id: text(msg.properties.messageId) ?? text(body.id),
    correlation_id: text(msg.properties.correlationId) ?? text(header) ?? text(body.correlationid),
  };
}
