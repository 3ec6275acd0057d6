/**
 * What every part of the transport reads of the shutdown, and the waits it can cut
 * short: a reconnect backoff, a batch held while the database is away, a dead letter
 * waiting before it goes back to the queue.
 */
export class Lifecycle {
  /** close() was called: take no new work, stop reconnecting. */
  closing = false;
  /** Set when the shutdown grace period ran out: held batches stop retrying. */
  giveUp = false;
  private readonly sleepers = new Set<() => void>();

  /** A delay that wake() (the shutdown, a lost link) cuts short. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  wake(): void {
    [...this.sleepers].forEach((done) => done());
  }
}
