import { EXAMPLES, EXCHANGE } from '@app/contracts';
import { ConfirmPublisher, ListenerHandlers, OutgoingMessage, PgListener } from '@app/platform';
import { automock, Mocked, newTestService, ServiceTest } from '../../../../test/utils/service-test';
import { ApiMetrics } from '../metrics/metrics.registry';
import { OUTBOX_COMMITS, OUTBOX_LISTENER, OUTBOX_PUBLISHER } from './outbox.connections';
import { OutboxRelay } from './outbox.relay';
import { OutboxRepository, OutboxRow } from './outbox.repository';

/**
 * The relay's service tier: what it claims from the outbox, publishes and counts, and
 * when it tries again, with the repository, the confirm publisher and the LISTEN
 * connection mocked (fake timers for the poll and the backoff). Against the real broker
 * and database: outbox and faults e2e specs.
 */
const event = EXAMPLES['lead.created'][1];
const row = (n: number): OutboxRow => ({ id: `${event.id.slice(0, -4)}${String(n).padStart(4, '0')}`, type: event.type, payload: { ...event } });

describe('OutboxRelay', () => {
  let t: ServiceTest<OutboxRelay>;
  let repo: Mocked<OutboxRepository>;
  let publisher: Mocked<ConfirmPublisher> & { connected: boolean };
  let listener: Mocked<PgListener>;
  let handlers: ListenerHandlers;
  /** What crm-api's commits call (OUTBOX_COMMITS). */
  let committed: () => void;
  /** What the outbox holds, claimed in order; a claim publishes and reports how many were confirmed. */
  let outbox: OutboxRow[];
  let published: OutgoingMessage[];
  const counter = async (name: 'eventsPublished' | 'publishFailures') => (await t.module.get(ApiMetrics)[name].get()).values[0]?.value ?? 0;

  beforeEach(async () => {
    jest.useFakeTimers();
    outbox = [];
    published = [];
    publisher = Object.assign(automock(ConfirmPublisher), { connected: true });
    publisher.connect.mockResolvedValue();
    publisher.close.mockResolvedValue();
    publisher.publish.mockImplementation(async (messages) => {
      published.push(...messages);
      return { confirmed: messages.map((m) => m.id), failed: [] };
    });
    listener = automock(PgListener);
    listener.start.mockImplementation((h) => void (handlers = h ?? {}));
    listener.stop.mockResolvedValue();
    t = await newTestService(OutboxRelay, {
      env: { RELAY_BATCH_SIZE: '2', RELAY_POLL_MS: '1000' },
      providers: [
        ApiMetrics,
        { provide: OUTBOX_PUBLISHER, useValue: publisher },
        { provide: OUTBOX_LISTENER, useValue: listener },
        { provide: OUTBOX_COMMITS, useValue: { onCommit: (listener: () => void) => (committed = listener) } },
      ],
    });
    repo = t.mock(OutboxRepository);
    repo.withClaimedBatch.mockImplementation(async (limit, publish) => {
      const claimed = outbox.slice(0, limit);
      const { sent } = await publish(claimed);
      outbox = outbox.filter((r) => !sent.includes(r.id));
      return sent.length;
    });
    repo.purgeSent.mockResolvedValue(0);
    repo.close.mockResolvedValue();
  });
  afterEach(async () => {
    await t.sut.onApplicationShutdown();
    jest.useRealTimers();
  });
  const settle = () => jest.advanceTimersByTimeAsync(0);

  it('at start: listens, drains the outbox in batches of RELAY_BATCH_SIZE until a short one, and counts what went', async () => {
    outbox = [row(1), row(2), row(3)];
    t.sut.onApplicationBootstrap();
    await settle();
    expect(listener.start).toHaveBeenCalled();
    expect(repo.withClaimedBatch.mock.calls.map(([limit]) => limit)).toEqual([2, 2]);
    expect(outbox).toEqual([]);
    expect(published.map((m) => m.id)).toEqual([row(1).id, row(2).id, row(3).id]);
    expect(published[0]).toMatchObject({
      exchange: EXCHANGE,
      routingKey: 'lead.created',
      properties: { messageId: event.id, type: 'lead.created', correlationId: event.correlationid },
    });
    expect(JSON.parse(published[0].body.toString())).toEqual(event);
    expect(await counter('eventsPublished')).toBe(3);
    // Sent rows are purged (a day old), at most once an hour.
    expect(repo.purgeSent).toHaveBeenCalledWith(24);
  });

  it("a commit of crm-api's wakes it at once (no NOTIFY needed); a commit during a round makes it go round once more", async () => {
    t.sut.onApplicationBootstrap();
    await settle();
    outbox = [row(1)];
    committed();
    await settle();
    expect(outbox).toEqual([]);
    let release!: () => void;
    publisher.publish.mockImplementationOnce(async (messages) => {
      await new Promise<void>((r) => (release = r));
      return { confirmed: messages.map((m) => m.id), failed: [] };
    });
    outbox = [row(2)];
    committed();
    await settle();
    outbox.push(row(3)); // committed while row 2 is in flight
    committed();
    committed();
    const claims = repo.withClaimedBatch.mock.calls.length;
    release();
    await settle();
    expect(outbox).toEqual([]);
    expect(repo.withClaimedBatch).toHaveBeenCalledTimes(claims + 1);
  });

  it('a NOTIFY wakes it at once; otherwise it polls every RELAY_POLL_MS', async () => {
    t.sut.onApplicationBootstrap();
    await settle();
    outbox = [row(1)];
    handlers.onNotify!(undefined);
    await settle();
    expect(outbox).toEqual([]);
    outbox = [row(2)]; // committed, its notification lost
    await jest.advanceTimersByTimeAsync(999);
    expect(outbox).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(outbox).toEqual([]);
  });

  it('events the broker did not confirm: counted, reported in status(), left in the outbox and retried after a backoff, not at every commit', async () => {
    outbox = [row(1)];
    publisher.publish.mockResolvedValueOnce({ confirmed: [], failed: [{ id: row(1).id, reason: 'returned: NO_ROUTE' }] });
    t.sut.onApplicationBootstrap();
    await settle();
    expect(await counter('publishFailures')).toBe(1);
    expect(t.sut.status()).toEqual({ brokerConnected: true, lastError: '1 event(s) not confirmed by the broker' });
    expect(outbox).toHaveLength(1);
    const claims = repo.withClaimedBatch.mock.calls.length;
    t.sut.wake(); // a commit during the backoff
    await settle();
    expect(repo.withClaimedBatch).toHaveBeenCalledTimes(claims);
    await jest.advanceTimersByTimeAsync(15_000); // the backoff's bound
    expect(outbox).toEqual([]);
    expect(t.sut.status().lastError).toBeNull();
  });

  it('the broker unreachable: nothing claimed, the error in status(); the LISTEN reconnecting cuts the backoff short', async () => {
    outbox = [row(1)];
    publisher.connected = false;
    publisher.connect.mockRejectedValueOnce(new Error('ECONNREFUSED')).mockRejectedValueOnce(new Error('ECONNREFUSED'));
    t.sut.onApplicationBootstrap();
    await settle();
    expect(repo.withClaimedBatch).not.toHaveBeenCalled();
    expect(t.sut.status()).toEqual({ brokerConnected: false, lastError: 'ECONNREFUSED' });
    handlers.onReconnect!();
    await settle();
    expect(publisher.connect).toHaveBeenCalledTimes(2);
    handlers.onReconnect!();
    await settle();
    expect(outbox).toEqual([]);
  });

  it('backlog() and queue(): the outbox backlog; a queue the broker cannot tell about is null', async () => {
    repo.backlog.mockResolvedValue({ pending: 4, oldestAgeSeconds: 2 });
    expect(await t.sut.backlog()).toEqual({ pending: 4, oldestAgeSeconds: 2 });
    publisher.checkQueue.mockResolvedValueOnce({ messages: 1, consumers: 2 }).mockRejectedValueOnce(new Error('channel closed'));
    expect(await t.sut.queue('activity-logger')).toEqual({ messages: 1, consumers: 2 });
    expect(await t.sut.queue('activity-logger')).toBeNull();
  });

  it('shutdown: the round in flight finishes, then the listener, the publisher and the pool close; no round after', async () => {
    outbox = [row(1)];
    let release!: () => void;
    publisher.publish.mockImplementationOnce(async (messages) => {
      await new Promise<void>((r) => (release = r));
      return { confirmed: messages.map((m) => m.id), failed: [] };
    });
    t.sut.onApplicationBootstrap();
    await settle();
    const closing = t.sut.onApplicationShutdown();
    await settle();
    expect(listener.stop).not.toHaveBeenCalled();
    release();
    await closing;
    expect(outbox).toEqual([]);
    expect(listener.stop).toHaveBeenCalled();
    expect(publisher.close).toHaveBeenCalled();
    expect(repo.close).toHaveBeenCalled();
    const claims = repo.withClaimedBatch.mock.calls.length;
    outbox = [row(2)];
    t.sut.wake();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(repo.withClaimedBatch).toHaveBeenCalledTimes(claims);
  });
});
