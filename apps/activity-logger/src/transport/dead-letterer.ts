import type { Logger } from '@nestjs/common';
import type { ConsumeMessage } from 'amqplib';
import { DEAD_LETTER_EXCHANGE } from '@app/contracts';
import { backoffDelay } from '@app/platform';
import { MetricsService } from '../health/metrics.service';
import type { Link } from './broker-link';
import { deadLetterClass, deadLetterFor, deliveryAttempt } from './dead-letter';
import { Lifecycle } from './lifecycle';
import { ids } from './message-ids';
import { ack, nack } from './settle';

/**
 * The dead-letter path: publishes a copy (dead-letter.ts says what it carries) on the
 * link's confirm channel, and acks the original only once the broker confirmed the copy
 * into a queue. A copy nobody took goes back to the queue instead, after a pause.
 */
export class DeadLetterer {
  /** Dead letters awaiting their confirm (the shutdown waits for them). */
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly metrics: MetricsService,
    private readonly lifecycle: Lifecycle,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Those in progress now, to wait for. */
  inProgress(): Promise<void>[] {
    return [...this.pending];
  }

  deadLetter(link: Link, msg: ConsumeMessage, reason: string): Promise<void> {
    const pending: Promise<void> = this.send(link, msg, reason)
      .catch((err) => this.log.error({ msg: 'dead-letter bookkeeping failed', error: (err as Error).message }))
      .finally(() => this.pending.delete(pending));
    this.pending.add(pending);
    return pending;
  }

  private async send(link: Link, msg: ConsumeMessage, reason: string): Promise<void> {
    const attempts = deliveryAttempt(msg);
    try {
      await this.publishConfirmed(link, msg, reason, attempts);
    } catch (err) {
      this.log.error({ msg: 'could not dead-letter: returning the message to the queue', ...ids(msg), reason, error: (err as Error).message });
      // Not at once: a broken dead-letter route must not turn into a hot loop.
      await this.lifecycle.sleep(backoffDelay(attempts, 500, 10_000));
      nack(link, msg, this.log);
      return;
    }
    ack([{ link, msg }], this.log);
    this.metrics.deadLettered.inc({ reason_class: deadLetterClass(reason) });
    this.log.warn({ msg: 'dead-lettered', ...ids(msg), routing_key: msg.fields.routingKey, reason, attempts });
  }

  /** Publishes the copy and resolves once the broker has it in a queue (a basic.return fails it). */
  private async publishConfirmed(link: Link, msg: ConsumeMessage, reason: string, attempts: number): Promise<void> {
    if (!link.alive) throw new Error('channel closed');
    const copy = (keepHeaders: boolean) => {
      const { routingKey, options } = deadLetterFor(msg, reason, attempts, new Date(), keepHeaders);
      return { exchange: DEAD_LETTER_EXCHANGE, routingKey, content: msg.content, options };
    };
    let [failure] = await link.publisher.publish([copy(true)]);
    // amqplib refuses a header table over 64 KiB: carry only ours then.
    if (failure?.thrown instanceof RangeError) [failure] = await link.publisher.publish([copy(false)]);
    if (failure) throw new Error(failure.reason);
  }
}
