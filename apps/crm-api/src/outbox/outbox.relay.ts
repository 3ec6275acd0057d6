import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CHANNELS, CrmEvent, EXCHANGE, messageProperties } from '@app/contracts';
import { backoffDelay, ConfirmPublisher, PgListener } from '@app/platform';
import { ApiConfig } from '../config/api.config';
import { ApiMetrics } from '../metrics/metrics.registry';
import { Commits, OUTBOX_COMMITS, OUTBOX_LISTENER, OUTBOX_PUBLISHER } from './outbox.connections';
import { OutboxRepository, OutboxRow } from './outbox.repository';

const NOTIFY_CHANNEL = CHANNELS.outbox;

/**
 * Moves committed outbox rows to RabbitMQ. Woken in process after each of crm-api's
 * commits (OUTBOX_COMMITS: so an event leaves within milliseconds), by `NOTIFY crm_outbox`
 * from anyone, and by a poll, the fallback for rows another process wrote (or whose
 * writer died between its commit and the wake-up). While the broker (or the database) is unreachable it
 * backs off and retries; the API keeps answering writes, the rows wait in the outbox.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(OutboxRelay.name);
  private stopped = false;
  private running?: Promise<void>;
  private again = false;
  private failures = 0;
  private timer?: NodeJS.Timeout;
  private lastError: string | null = null;

  constructor(
    private readonly config: ApiConfig,
    private readonly metrics: ApiMetrics,
    @Inject(OUTBOX_PUBLISHER) private readonly publisher: ConfirmPublisher,
    @Inject(OUTBOX_LISTENER) private readonly listener: PgListener,
    @Inject(OUTBOX_COMMITS) private readonly commits: Commits,
    private readonly repo: OutboxRepository,
  ) {}

  onApplicationBootstrap() {
    this.commits.onCommit(() => this.wake());
    this.listener.start({
      onNotify: () => this.wake(),
      onReconnect: () => this.retryNow(),
      onLost: (e) => this.log.warn({ msg: 'LISTEN connection lost: reconnecting with backoff (the poll goes on)', channel: NOTIFY_CHANNEL, error: e.message }),
    });
    this.wake();
  }

  async onApplicationShutdown() {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await this.listener.stop();
    await this.publisher.close();
    await this.repo.close();
  }

  status() {
    return { brokerConnected: this.publisher.connected, lastError: this.lastError };
  }

  backlog() {
    return this.repo.backlog();
  }

  /** Depth and consumers of a queue on the relay's broker connection (null when unknown). */
  queue(name: string) {
    return this.publisher.checkQueue(name).catch(() => null);
  }

  /**
   * New events were committed: drains now, and a wake during a drain makes it go round
   * once more. Not while backing off after a failure (broker or database away, events
   * unroutable): under write load every commit would cut the wait short, turning the
   * backoff into a reconnect or a republish per commit. The scheduled retry takes them.
   */
  wake() {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.failures > 0) return;
    this.run();
  }

  /**
   * The LISTEN connection is (re)established, so the database answers again: a round now,
   * even in a backoff (which may have grown to 15 s while the database was away). Rare by
   * construction: the listener reconnects with its own backoff.
   */
  private retryNow() {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.run();
  }

  private run() {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.running = this.drain().finally(() => {
      this.running = undefined;
      this.schedule();
    });
  }

  private schedule() {
    if (this.stopped) return;
    const again = this.again;
    this.again = false;
    if (again && this.failures === 0) return this.run();
    const wait = this.failures ? backoffDelay(this.failures, 200, 15_000) : this.config.RELAY_POLL_MS;
    this.timer = setTimeout(() => this.run(), wait);
  }

  private async drain() {
    try {
      await this.publisher.connect(); // even with nothing to send: health reports the broker
      for (;;) {
        let failed = 0;
        const sent = await this.repo.withClaimedBatch(this.config.RELAY_BATCH_SIZE, async (rows) => {
          const r = await this.publishRows(rows);
          failed = r.failed.length;
          return r;
        });
        this.metrics.eventsPublished.inc(sent);
        if (failed) this.metrics.publishFailures.inc(failed);
        if (failed) throw new Error(`${failed} event(s) not confirmed by the broker`);
        this.failures = 0;
        this.lastError = null;
        if (sent < this.config.RELAY_BATCH_SIZE || this.stopped) break;
      }
      await this.purgeNowAndThen();
    } catch (e) {
      this.failures += 1;
      const msg = (e as Error).message;
      if (msg !== this.lastError) this.log.warn({ msg: 'outbox relay: will retry', error: msg, attempt: this.failures });
      this.lastError = msg;
    }
  }

  /** Sent rows are kept a day for inspection; removed at most once an hour, in small batches. */
  private lastPurge = 0;
  private async purgeNowAndThen() {
    if (Date.now() - this.lastPurge < 3_600_000) return;
    this.lastPurge = Date.now();
    await this.repo.purgeSent(24);
  }

  private async publishRows(rows: OutboxRow[]) {
    const outcome = await this.publisher.publish(
      rows.map((row) => {
        const event = row.payload as unknown as CrmEvent;
        return {
          id: row.id,
          exchange: EXCHANGE,
          routingKey: row.type,
          body: Buffer.from(JSON.stringify(event)),
          properties: messageProperties(event),
        };
      }),
    );
    for (const f of outcome.failed.slice(0, 3)) this.log.warn({ msg: 'event not delivered', event_id: f.id, reason: f.reason });
    return { sent: outcome.confirmed, failed: outcome.failed.map((f) => f.id) };
  }
}
