import { LOGGER_QUEUE } from '@app/contracts';
import { newTestService, ServiceTest } from '../../../../test/utils/service-test';
import { OutboxRelay } from '../outbox/outbox.relay';
import { FeedService } from './feed.service';
import { PipelineStatusService } from './pipeline-status.service';

/**
 * The feed's status for people (GET /api/interaction-logs/status/): current or delayed,
 * and why, from the relay (outbox backlog, broker, the logger's queue) and the feed's
 * replica lag, all mocked. Through the API: readme-promises.e2e-spec.ts.
 */
describe('PipelineStatusService', () => {
  let t: ServiceTest<PipelineStatusService>;
  /** A healthy pipeline, each part overridable. */
  async function given(
    parts: { connected?: boolean; pending?: number; oldest?: number | null; queue?: { messages: number; consumers: number } | null; lag?: number | null | Error } = {},
  ) {
    t = await newTestService(PipelineStatusService, { env: { FEED_MAX_LAG_SECONDS: '5' } });
    const relay = t.mock(OutboxRelay);
    relay.status.mockReturnValue({ brokerConnected: parts.connected ?? true, lastError: null });
    relay.backlog.mockResolvedValue({ pending: parts.pending ?? 0, oldestAgeSeconds: parts.oldest ?? null });
    relay.queue.mockResolvedValue(parts.queue === undefined ? { messages: 0, consumers: 1 } : parts.queue);
    const lag = parts.lag === undefined ? null : parts.lag;
    if (lag instanceof Error) t.mock(FeedService).replicaLagSeconds.mockRejectedValue(lag);
    else t.mock(FeedService).replicaLagSeconds.mockResolvedValue(lag);
    return t.sut;
  }

  it('current when nothing waits: the counts, the queue and the broker as they are', async () => {
    const status = await (await given({ pending: 2, oldest: 1, queue: { messages: 3, consumers: 2 } })).status();
    expect(status).toEqual({
      current: true,
      reasons: [],
      outbox: { pending: 2, oldest_age_seconds: 1 },
      queue: { name: LOGGER_QUEUE, waiting: 3, consumers: 2 },
      broker_connected: true,
      feed_replica_lag_seconds: null,
    });
    expect(t.mock(OutboxRelay).queue).toHaveBeenCalledWith(LOGGER_QUEUE);
  });

  it('delayed, saying why: broker away (events wait in the outbox, older than 5 s)', async () => {
    const status = await (await given({ connected: false, pending: 4, oldest: 12.4, queue: null })).status();
    expect(status.current).toBe(false);
    expect(status.reasons).toEqual(['the broker is unreachable: events wait in the outbox', '4 event(s) not yet published, oldest 12s']);
    expect(status.queue).toBeNull();
  });

  it('a young backlog (5 s or less) is not a delay', async () => {
    expect(await (await given({ pending: 40, oldest: 5 })).status()).toMatchObject({ current: true, reasons: [] });
  });

  it('delayed: no logger consuming, with how many events wait in its queue', async () => {
    const status = await (await given({ queue: { messages: 7, consumers: 0 } })).status();
    expect(status).toMatchObject({ current: false, reasons: ['no activity-logger is consuming', '7 event(s) waiting in the queue'] });
  });

  it("delayed: the broker answers but the logger's queue does not exist yet", async () => {
    expect((await (await given({ queue: null })).status()).reasons).toEqual(["the logger's queue does not exist yet"]);
  });

  it('the feed replica: its lag reported; over FEED_MAX_LAG_SECONDS, unknown yet, or not answering is a reason, not a failure', async () => {
    expect(await (await given({ lag: 3 })).status()).toMatchObject({ current: true, feed_replica_lag_seconds: 3 });
    expect(await (await given({ lag: 9 })).status()).toMatchObject({
      current: false,
      reasons: ["the feed's replica is 9s behind the primary (more than 5s): recent activity may be missing"],
      feed_replica_lag_seconds: 9,
    });
    expect(await (await given({ lag: -1 })).status()).toMatchObject({
      current: false,
      reasons: ["the feed's replica cannot tell its lag yet (nothing replayed since it started)"],
      feed_replica_lag_seconds: null,
    });
    expect(await (await given({ lag: new Error('connection refused') })).status()).toMatchObject({
      current: false,
      reasons: ["the feed's database does not answer (connection refused)"],
      outbox: { pending: 0 },
    });
  });

  it("restricted (a rep under RECORD_VISIBILITY=own): whether it is current, but no counts of the team's activity", async () => {
    expect(await (await given({ pending: 9, oldest: 30, queue: { messages: 7, consumers: 0 } })).status(true)).toEqual({
      current: false,
      reasons: ['the feed is delayed: new activity may take a while to appear'],
      outbox: null,
      queue: null,
      broker_connected: true,
      feed_replica_lag_seconds: null,
    });
    expect(await (await given({ pending: 9, oldest: 1 })).status(true)).toMatchObject({ current: true, reasons: [], outbox: null, queue: null });
  });
});
