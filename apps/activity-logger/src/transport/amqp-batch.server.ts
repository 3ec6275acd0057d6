import { Inject, Injectable, Logger } from '@nestjs/common';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { CrmEvent } from '@app/contracts';
import { LoggerConfig } from '../config/logger.config';
import { MetricsService } from '../health/metrics.service';
import { BatchConsumer, BatchHandler } from './batch-consumer';
import { AMQP_CONNECT, AmqpConnect, BrokerLink } from './broker-link';
import { DeadLetterer } from './dead-letterer';
import { Lifecycle } from './lifecycle';
import { shutdown } from './shutdown';
import { LOG_BATCH } from './transport.constants';

/**
 * A Nest transport strategy on amqplib for the `activity-logger` quorum queue. The
 * built-in RMQ transport hands over one message at a time and knows no dead-letter
 * reasons; this one is made of parts, one job each:
 *
 * - BrokerLink (broker-link.ts): connects over AMQP_URL, opens the channels, consumes
 *   with manual acks and a prefetch window, reconnects by itself with backoff, dropping
 *   what the dead channel had delivered (the broker redelivers it; the event id makes
 *   that harmless);
 * - BatchConsumer (batch-consumer.ts): validates, batches (size or time), writes through
 *   the LOG_BATCH handler and acks after the commit; holds, isolates and requeues;
 * - DeadLetterer (dead-letterer.ts): the confirmed copy to the dead-letter exchange, with why;
 * - shutdown (shutdown.ts): takes no new work, writes and acks what it holds, and only
 *   then cancels the consumer and closes.
 *
 * Acks and nacks go through settle.ts (the ack ledger: delivery-ledger.ts); every wait
 * the shutdown may cut short through Lifecycle.
 */
@Injectable()
export class AmqpBatchServer extends Server implements CustomTransportStrategy {
  private readonly log = new Logger(AmqpBatchServer.name);
  private readonly lifecycle = new Lifecycle();
  private readonly link: BrokerLink;
  private readonly consumer: BatchConsumer;
  private closed: Promise<void> | undefined;
  private handler: BatchHandler | null = null;

  constructor(
    config: LoggerConfig,
    private readonly metrics: MetricsService,
    @Inject(AMQP_CONNECT) connect: AmqpConnect,
  ) {
    super();
    const deadLetters = new DeadLetterer(metrics, this.lifecycle, this.log);
    this.consumer = new BatchConsumer(config, metrics, this.lifecycle, deadLetters, (events) => this.handle(events), this.log);
    this.link = new BrokerLink(config, metrics, connect, this.lifecycle, this.log, {
      deliver: (link, msg) => this.consumer.deliver(link, msg),
      forget: (link) => this.consumer.forget(link),
      status: (status) => this._status$.next(status),
    });
  }

  /** Consuming right now (for readiness). */
  isConsuming(): boolean {
    return this.link.isConsuming();
  }

  /** Valid messages received and not settled yet. */
  held(): number {
    return this.consumer.held();
  }

  listen(callback: (err?: unknown) => void): void {
    if (!this.getHandlerByPattern(LOG_BATCH)) {
      callback(new Error(`no handler for ${LOG_BATCH}: is LogsController registered?`));
      return;
    }
    // Resolves once consuming; until then it retries with backoff (the broker may start after us).
    this.link.connectUntilUp().then(() => callback(), callback);
  }

  async close(): Promise<void> {
    if (!this.closed) {
      // From here the consumer takes nothing new: what is held is all there is.
      this.lifecycle.closing = true;
      const { lifecycle, link, consumer, metrics, log } = this;
      this.closed = shutdown({ lifecycle, link, consumer, metrics, log, status: (status) => this._status$.next(status) });
    }
    return this.closed;
  }

  on(): never {
    throw new Error('AmqpBatchServer does not expose broker events');
  }

  unwrap<T>(): T {
    return this.link.current?.connection as T;
  }

  /** Calls the LOG_BATCH handler through Nest (pipes, interceptors, filters) and waits for its result. */
  private async handle(events: CrmEvent[]): Promise<unknown> {
    // Looked up once: Nest's lookup first tries the pattern as JSON and catches the throw,
    // ~1 % of the logger's CPU in a drain when done for every batch.
    const handler = (this.handler ??= this.getHandlerByPattern(LOG_BATCH) as BatchHandler | null);
    if (!handler) throw new Error(`no handler for ${LOG_BATCH}`);
    return lastValueFrom(this.transformToObservable(await handler(events)), { defaultValue: undefined });
  }
}
