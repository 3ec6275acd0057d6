import { Batcher } from './batcher';

describe('Batcher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const make = (size: number, flushMs: number) => {
    const batches: number[][] = [];
    return { batcher: new Batcher<number>(size, flushMs, (b) => batches.push(b)), batches };
  };

  it('seals a batch the moment it is full', () => {
    const { batcher, batches } = make(3, 1000);
    [1, 2, 3, 4].forEach((n) => batcher.add(n));
    expect(batches).toEqual([[1, 2, 3]]);
    expect(batcher.length).toBe(1);
  });

  it('seals a partial batch flushMs after its first item, not after its last', () => {
    const { batcher, batches } = make(100, 5);
    batcher.add(1);
    jest.advanceTimersByTime(3);
    batcher.add(2);
    jest.advanceTimersByTime(1);
    expect(batches).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(batches).toEqual([[1, 2]]);
    // The next item starts a new window.
    batcher.add(3);
    jest.advanceTimersByTime(5);
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it('does not fire the timer of a batch that was sealed full', () => {
    const { batcher, batches } = make(2, 5);
    batcher.add(1);
    batcher.add(2);
    jest.advanceTimersByTime(10);
    expect(batches).toEqual([[1, 2]]);
  });

  it('flushes on demand, and not at all when empty', () => {
    const { batcher, batches } = make(10, 1000);
    batcher.flush();
    batcher.add(1);
    batcher.flush();
    expect(batches).toEqual([[1]]);
  });

  it('discards items of a dead channel and stops the timer when nothing is left', () => {
    const { batcher, batches } = make(10, 5);
    [1, 2, 3].forEach((n) => batcher.add(n));
    expect(batcher.discard((n) => n !== 2)).toBe(2);
    jest.advanceTimersByTime(5);
    expect(batches).toEqual([[2]]);
    batcher.add(4);
    batcher.discard(() => true);
    jest.advanceTimersByTime(5);
    expect(batches).toEqual([[2]]);
  });
});
