import { newTestService } from '../../../../test/utils/service-test';
import { FeedWrites } from './feed.writes';

/**
 * What a live stream and `Prefer: wait` wait on, without its LISTEN connection (never
 * started here): the bound, the caller's abort and crm-api's shutdown each end a wait.
 * Woken by a logger's commit: stream.e2e-spec.ts, interactions e2e specs.
 */
describe('FeedWrites', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());
  const feedWrites = async () => (await newTestService(FeedWrites)).sut;
  const settled = (p: Promise<void>) => {
    const state = { done: false };
    void p.then(() => (state.done = true));
    return state;
  };

  it('next(maxMs): resolves after maxMs when nothing was written', async () => {
    const wait = settled((await feedWrites()).next(500));
    await jest.advanceTimersByTimeAsync(499);
    expect(wait.done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(wait.done).toBe(true);
  });

  it("next(maxMs, signal): the caller's abort (a client gone) ends the wait at once", async () => {
    const abort = new AbortController();
    const wait = settled((await feedWrites()).next(60_000, abort.signal));
    abort.abort();
    await jest.advanceTimersByTimeAsync(0);
    expect(wait.done).toBe(true);
  });

  it('shutdown: every wait ends and `closed` is aborted, so live streams end and the HTTP server can close', async () => {
    const writes = await feedWrites();
    const waits = [settled(writes.next(60_000)), settled(writes.next(60_000))];
    expect(writes.closed.aborted).toBe(false);
    writes.beforeApplicationShutdown();
    await jest.advanceTimersByTimeAsync(0);
    expect(waits.map((w) => w.done)).toEqual([true, true]);
    expect(writes.closed.aborted).toBe(true);
    await writes.onApplicationShutdown();
  });
});
