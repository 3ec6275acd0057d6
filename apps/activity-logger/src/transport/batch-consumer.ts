import type { Logger } from '@nestjs/common';
import type { ConsumeMessage } from 'amqplib';
import { CrmEvent, parseEvent } from '@app/contracts';
import { backoffDelay } from '@app/platform';
import { LoggerConfig } from '../config/logger.config';
import { MetricsService } from '../health/metrics.service';
import type { WriteOutcome } from '../logs/logs.service';
import { classifyWriteError, describeWriteError } from '../logs/write-errors';
import { Batcher } from './batcher';
import type { Link } from './broker-link';
import { deliveryAttempt } from './dead-letter';
import { DeadLetterer } from './dead-letterer';
import { Lifecycle } from './lifecycle';
import { ids } from './message-ids';
import { ack, nack } from './settle';

interface Delivery {
  link: Link;
  msg: ConsumeMessage;
  event: CrmEvent;
}

/** The LOG_BATCH handler, called through Nest (the server's handle()). */
export type BatchHandler = (events: CrmEvent[]) => Promise<unknown>;

/**
 * Consumption and batching: validates every delivery against the contracts (one that
 * cannot be read is dead-lettered at once, with why), hands valid events to the handler
 * in batches (size or time, up to LOGGER_WRITERS at once), and acks a batch only after
 * the handler committed it. Holds a batch while the database is away (backoff, nothing
 * acked); isolates the message of a batch that fails for its own reasons, and requeues
 * it until its delivery count reaches LOGGER_MAX_ATTEMPTS, then dead-letters it.
 */
export class BatchConsumer {
  private readonly batcher: Batcher<Delivery>;
  /** Sealed batches, written one at a time; the head is the one being written. */
  private readonly queue: Delivery[][] = [];
  /** Batches being written, each by its own writer (at most LOGGER_WRITERS). */
  private readonly writing = new Map<Delivery[], Promise<void>>();

  constructor(
    private readonly config: LoggerConfig,
    private readonly metrics: MetricsService,
    private readonly lifecycle: Lifecycle,
    private readonly deadLetters: DeadLetterer,
    private readonly handle: BatchHandler,
    private readonly log: Logger,
  ) {
    this.batcher = new Batcher(config.LOGGER_BATCH_SIZE, config.LOGGER_FLUSH_MS, (batch) => {
      this.queue.push(batch);
      this.pump();
    });
  }

  /** Valid messages received and not settled yet. */
  held(): number {
    // Counted on every delivery (the held gauge): plain loops, no arrays made.
    let n = this.batcher.length;
    for (const batch of this.queue) n += batch.length;
    for (const batch of this.writing.keys()) n += batch.length;
    return n;
  }

  /** Batches being written now. */
  get writers(): number {
    return this.writing.size;
  }

  deliver(link: Link, msg: ConsumeMessage): void {
    // Stopping: the consumer stays until our last ack (see shutdown), so the broker may
    // still deliver. Left unacked, it goes back to the queue when the channel closes.
    if (this.lifecycle.closing) return;
    this.metrics.consumed.inc();
    const parsed = parseEvent(msg.content);
    if (!parsed.ok) {
      void this.deadLetters.deadLetter(link, msg, parsed.reason);
      return;
    }
    this.batcher.add({ link, msg, event: parsed.event });
    this.updateHeld();
  }

  /** The link died: its deliveries are the broker's again. */
  forget(link: Link): void {
    this.batcher.discard((d) => d.link === link);
    for (let i = 0; i < this.queue.length; i++) this.queue[i] = this.queue[i].filter((d) => d.link !== link);
    // Batches being written are trimmed in place: their writers skip (and never ack) the
    // dead link's deliveries anyway, and held() counts these arrays.
    for (const batch of this.writing.keys()) {
      const kept = batch.filter((d) => d.link !== link);
      batch.splice(0, batch.length, ...kept);
    }
    this.updateHeld();
  }

  /** Seals the batch being collected (shutdown). */
  flush(): void {
    this.batcher.flush();
  }

  /** Resolves when every sealed batch is written and every dead letter settled. */
  async drain(): Promise<void> {
    while (this.writing.size > 0 || this.queue.length > 0 || this.deadLetters.size > 0) {
      await Promise.all([...this.writing.values(), ...this.deadLetters.inProgress()]);
      this.pump();
    }
  }

  /** The batches being written now, to wait for. */
  inFlight(): Promise<unknown> {
    return Promise.all(this.writing.values());
  }

  /** Starts writers for queued batches, up to LOGGER_WRITERS at once; acks follow each commit. */
  private pump(): void {
    while (this.writing.size < this.config.LOGGER_WRITERS && this.queue.length > 0) {
      const batch = this.queue.shift()!;
      const writer = this.writeBatch(batch)
        .catch((err) => {
          // A bug of ours, not the database's: give the messages back rather than sit on them.
          this.log.error({ msg: 'unexpected error writing a batch: requeueing it', error: (err as Error).message, stack: (err as Error).stack });
          batch.forEach((d) => nack(d.link, d.msg, this.log));
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
      if (batch.length === 0 || this.lifecycle.giveUp) return;
      try {
        const outcome = (await this.handle(batch.map((d) => d.event))) as WriteOutcome | undefined;
        ack(batch, this.log);
        this.logWritten(batch, outcome);
        return;
      } catch (err) {
        if (classifyWriteError(err) === 'transient') {
          // Capped at a few seconds: a held batch should land soon after the database is back.
          const wait = backoffDelay(attempt, 100, 5_000);
          this.metrics.retried.inc({ kind: 'backoff' });
          this.log.warn({
            msg: 'database unavailable: holding the batch',
            batch_size: batch.length,
            held: this.held(),
            attempt: attempt + 1,
            retry_in_ms: wait,
            error: describeWriteError(err),
          });
          await this.lifecycle.sleep(wait);
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

  /** A message that failed on its own: back to the queue, or to the dead letters once it has had its chances. */
  private async failedAlone(d: Delivery, err: unknown): Promise<void> {
    if (!d.link.alive) return; // the broker has it back already
    const attempt = deliveryAttempt(d.msg);
    const reason = `write failed: ${describeWriteError(err)}`;
    if (attempt >= this.config.LOGGER_MAX_ATTEMPTS) return this.deadLetters.deadLetter(d.link, d.msg, reason);
    this.metrics.retried.inc({ kind: 'requeue' });
    this.log.warn({ msg: 'message failed on its own: returned to the queue', ...ids(d.msg, d.event), attempt, max_attempts: this.config.LOGGER_MAX_ATTEMPTS, error: reason });
    nack(d.link, d.msg, this.log);
  }

  private logWritten(batch: Delivery[], outcome: WriteOutcome | undefined): void {
    // Debug lines only: below debug not even built (a Set of the batch's ids each time was
    // 1 % of the logger's CPU in a drain).
    if (this.config.LOG_LEVEL !== 'debug') return;
    const written = new Set(outcome?.written ?? []);
    this.log.debug({ msg: 'batch written', size: batch.length, written: written.size, duplicates: outcome?.duplicates ?? 0 });
    for (const d of batch) {
      this.log.debug({ msg: written.has(d.event.id) ? 'logged' : 'duplicate skipped', ...ids(d.msg, d.event), event_type: d.event.type });
    }
  }

  private updateHeld(): void {
    this.metrics.held.set(this.held());
  }
}
