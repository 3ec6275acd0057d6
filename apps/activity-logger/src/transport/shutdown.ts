import type { Logger } from '@nestjs/common';
import { settlesWithin } from '@app/platform';
import { MetricsService } from '../health/metrics.service';
import { BatchConsumer } from './batch-consumer';
import { BrokerLink } from './broker-link';
import { Lifecycle } from './lifecycle';

/** How long close() keeps writing held batches before leaving those not begun to the broker. */
export const SHUTDOWN_GRACE_MS = 4000;
/**
 * After the grace: how long close() still waits for statements already sent. One may yet
 * commit (a slow disk, a lock just released), and closing the channel first would leave
 * its rows written and its messages unacked. With the cancel (1 s) after it, this stays
 * under the process's hard exit (10 s, main.ts).
 */
export const SHUTDOWN_IN_FLIGHT_MS = 3000;

export interface TransportParts {
  lifecycle: Lifecycle;
  link: BrokerLink;
  consumer: BatchConsumer;
  metrics: MetricsService;
  status: (status: 'disconnected') => void;
  log: Logger;
}

/**
 * The transport's stop, once lifecycle.closing is set (the consumer takes nothing new
 * from then on, so what is held is all there is): writes and acks what it holds within
 * the grace, waits a little longer for statements in flight, and only then cancels the
 * consumer and closes the link (the order that keeps a quorum queue from dropping acks).
 */
export async function shutdown({ lifecycle, link, consumer, metrics, status, log }: TransportParts): Promise<void> {
  log.log({ msg: 'stopping: taking no new work, writing what is held', held: consumer.held() });
  lifecycle.wake(); // a pending reconnect backoff ends now
  await link.settleConnecting(2000);
  const current = link.current;
  consumer.flush();
  const drained = await settlesWithin(consumer.drain(), SHUTDOWN_GRACE_MS);
  if (!drained) {
    // Batches not begun stay unwritten (the broker redelivers them); those in a backoff wait end now.
    lifecycle.giveUp = true;
    lifecycle.wake();
    log.warn({ msg: 'shutdown: grace period over, leaving batches not begun to the broker', held: consumer.held(), in_flight: consumer.writers });
    // A statement in flight commits or fails; either way its answer decides ack or redelivery.
    const settled = await settlesWithin(consumer.inFlight(), SHUTDOWN_IN_FLIGHT_MS);
    if (!settled) {
      log.warn({ msg: 'shutdown: a batch statement is still running; closing anyway (if it commits, the redelivered copies are skipped as duplicates)' });
    }
  }
  if (current) await link.close(current);
  metrics.brokerConnected.set(0);
  status('disconnected');
  log.log({ msg: 'transport closed', drained });
}
