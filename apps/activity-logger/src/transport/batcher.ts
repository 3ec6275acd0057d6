/**
 * Collects items into batches: a batch is sealed when it reaches `size`, or `flushMs`
 * after its first item arrived, whichever comes first. Full batches keep throughput high
 * under load; the timer keeps latency low when traffic is light.
 */
export class Batcher<T> {
  private buffer: T[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly size: number,
    private readonly flushMs: number,
    private readonly onBatch: (batch: T[]) => void,
  ) {}

  get length(): number {
    return this.buffer.length;
  }

  add(item: T): void {
    this.buffer.push(item);
    if (this.buffer.length >= this.size) this.flush();
    else if (this.buffer.length === 1) this.timer = setTimeout(() => this.flush(), this.flushMs);
  }

  /** Seals what is buffered now (on the timer, at shutdown). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.onBatch(batch);
  }

  /** Drops buffered items (those of a channel that died); returns how many. */
  discard(predicate: (item: T) => boolean): number {
    const before = this.buffer.length;
    this.buffer = this.buffer.filter((item) => !predicate(item));
    if (this.buffer.length === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    return before - this.buffer.length;
  }
}
