/** How to acknowledge a set of deliveries on one channel. */
export type AckPlan = { upTo: number } | { each: number[] };

/**
 * The delivery tags of one channel that are neither acked nor nacked yet. Tags grow
 * with each delivery, and `ack(tag, allUpTo=true)` settles every unsettled tag up to it;
 * so one frame may settle a whole batch only when no earlier tag is still held by
 * someone else (an older batch being retried, a dead letter awaiting its confirm).
 */
export class DeliveryLedger {
  private readonly outstanding = new Set<number>();

  get size(): number {
    return this.outstanding.size;
  }

  add(tag: number): void {
    this.outstanding.add(tag);
  }

  /** Marks `tags` settled and says how to ack them: one multiple ack, or each on its own. */
  settle(tags: number[]): AckPlan {
    const mine = new Set(tags.filter((t) => this.outstanding.has(t)));
    if (mine.size === 0) return { each: [] };
    let max = 0;
    for (const t of mine) if (t > max) max = t;
    let contiguous = true;
    for (const t of this.outstanding) {
      if (t < max && !mine.has(t)) {
        contiguous = false;
        break;
      }
    }
    for (const t of mine) this.outstanding.delete(t);
    return contiguous && mine.size > 1 ? { upTo: max } : { each: [...mine].sort((a, b) => a - b) };
  }

  /** For a nack (always individual): just forget the tag. */
  drop(tag: number): boolean {
    return this.outstanding.delete(tag);
  }
}
