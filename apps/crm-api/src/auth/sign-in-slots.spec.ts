import { DomainError } from '../common/domain-error';
import { SignInSlots } from './sign-in-slots';

describe('SignInSlots', () => {
  const deferred = () => {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  };

  it('runs at most `slots` at once; a waiter gets the slot a finished one frees', async () => {
    const slots = new SignInSlots(2, 1000);
    let running = 0;
    let peak = 0;
    const gates = [deferred(), deferred(), deferred()];
    const runs = gates.map((g) =>
      slots.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await g.promise;
        running -= 1;
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(running).toBe(2);
    gates[0].resolve();
    await runs[0];
    await new Promise((r) => setImmediate(r));
    expect(running).toBe(2);
    gates[1].resolve();
    gates[2].resolve();
    await Promise.all(runs);
    expect(peak).toBe(2);
  });

  it('refuses with rate_limited and Retry-After when no slot frees within the wait, and forgets that waiter', async () => {
    jest.useFakeTimers();
    try {
      const slots = new SignInSlots(1, 500);
      const hold = deferred();
      const first = slots.run(() => hold.promise);
      const second = slots.run(async () => 'ran');
      jest.advanceTimersByTime(501);
      await expect(second).rejects.toMatchObject({ code: 'rate_limited', retryAfterSeconds: 1 });
      await expect(second).rejects.toBeInstanceOf(DomainError);
      hold.resolve();
      await first;
      await expect(slots.run(async () => 'next')).resolves.toBe('next');
    } finally {
      jest.useRealTimers();
    }
  });
});
