import { Injectable } from '@nestjs/common';
import { LOGGER_QUEUE } from '@app/contracts';
import { OutboxRelay } from '../outbox/outbox.relay';

/** Events older than this still on their way make the feed "delayed". */
const DELAYED_AFTER_SECONDS = 5;

/**
 * Whether the feed is current, for people: an empty feed must never be mistaken for
 * no activity when the logger is down. Counts what is on its way, where, and how old.
 */
@Injectable()
export class PipelineStatusService {
  constructor(private readonly relay: OutboxRelay) {}

  /**
   * `restricted` (a rep under RECORD_VISIBILITY=own): whether the feed is current, but
   * not the team's volume of activity (counts of events on their way).
   */
  async status(restricted = false) {
    const [outbox, queue] = await Promise.all([this.relay.backlog(), this.relay.queue(LOGGER_QUEUE)]);
    const relay = this.relay.status();
    const reasons: string[] = [];
    if (!relay.brokerConnected) reasons.push('the broker is unreachable: events wait in the outbox');
    if (outbox.pending > 0 && (outbox.oldestAgeSeconds ?? 0) > DELAYED_AFTER_SECONDS)
      reasons.push(`${outbox.pending} event(s) not yet published, oldest ${Math.round(outbox.oldestAgeSeconds ?? 0)}s`);
    if (queue && queue.consumers === 0) reasons.push('no activity-logger is consuming');
    if (queue && queue.messages > 0 && queue.consumers === 0) reasons.push(`${queue.messages} event(s) waiting in the queue`);
    if (relay.brokerConnected && !queue) reasons.push("the logger's queue does not exist yet");
    if (restricted) {
      return { current: reasons.length === 0, reasons: reasons.length ? ['the feed is delayed: new activity may take a while to appear'] : [], outbox: null, queue: null, broker_connected: relay.brokerConnected };
    }
    return {
      current: reasons.length === 0,
      reasons,
      outbox: { pending: outbox.pending, oldest_age_seconds: outbox.oldestAgeSeconds },
      queue: queue ? { name: LOGGER_QUEUE, waiting: queue.messages, consumers: queue.consumers } : null,
      broker_connected: relay.brokerConnected,
    };
  }
}
