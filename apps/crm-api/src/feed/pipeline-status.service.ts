import { Injectable } from '@nestjs/common';
import { LOGGER_QUEUE } from '@app/contracts';
import { ApiConfig } from '../config/api.config';
import { OutboxRelay } from '../outbox/outbox.relay';
import { FeedService } from './feed.service';

/** Events older than this still on their way make the feed "delayed". */
const DELAYED_AFTER_SECONDS = 5;

/**
 * Whether the feed is current, for people: an empty feed must never be mistaken for
 * no activity when the logger is down. Counts what is on its way, where, and how old.
 */
@Injectable()
export class PipelineStatusService {
  constructor(
    private readonly relay: OutboxRelay,
    private readonly feed: FeedService,
    private readonly config: ApiConfig,
  ) {}

  /**
   * `restricted` (a rep under RECORD_VISIBILITY=own): whether the feed is current, but
   * not the team's volume of activity (counts of events on their way).
   */
  async status(restricted = false) {
    const [outbox, queue, replica] = await Promise.all([this.relay.backlog(), this.relay.queue(LOGGER_QUEUE), this.replica()]);
    const relay = this.relay.status();
    const reasons: string[] = [];
    if (!relay.brokerConnected) reasons.push('the broker is unreachable: events wait in the outbox');
    if (outbox.pending > 0 && (outbox.oldestAgeSeconds ?? 0) > DELAYED_AFTER_SECONDS)
      reasons.push(`${outbox.pending} event(s) not yet published, oldest ${Math.round(outbox.oldestAgeSeconds ?? 0)}s`);
    if (queue && queue.consumers === 0) reasons.push('no activity-logger is consuming');
    if (queue && queue.messages > 0 && queue.consumers === 0) reasons.push(`${queue.messages} event(s) waiting in the queue`);
    if (relay.brokerConnected && !queue) reasons.push("the logger's queue does not exist yet");
    if (replica.reason) reasons.push(replica.reason);
    if (restricted) {
      return {
        current: reasons.length === 0,
        reasons: reasons.length ? ['the feed is delayed: new activity may take a while to appear'] : [],
        outbox: null,
        queue: null,
        broker_connected: relay.brokerConnected,
        feed_replica_lag_seconds: replica.lag,
      };
    }
    return {
      current: reasons.length === 0,
      reasons,
      outbox: { pending: outbox.pending, oldest_age_seconds: outbox.oldestAgeSeconds },
      queue: queue ? { name: LOGGER_QUEUE, waiting: queue.messages, consumers: queue.consumers } : null,
      broker_connected: relay.brokerConnected,
      feed_replica_lag_seconds: replica.lag,
    };
  }

  /**
   * The feed replica's lag (FEED_DATABASE_URL), null on a primary. Its own failure is
   * a reason, not an error of the whole status: the primary's part still answers.
   */
  private async replica(): Promise<{ lag: number | null; reason?: string }> {
    const max = this.config.FEED_MAX_LAG_SECONDS;
    try {
      const lag = await this.feed.replicaLagSeconds();
      if (lag === -1) return { lag: null, reason: "the feed's replica cannot tell its lag yet (nothing replayed since it started)" };
      if (lag !== null && lag > max) return { lag, reason: `the feed's replica is ${lag}s behind the primary (more than ${max}s): recent activity may be missing` };
      return { lag };
    } catch (err) {
      return { lag: null, reason: `the feed's database does not answer (${(err as Error).message})` };
    }
  }
}
