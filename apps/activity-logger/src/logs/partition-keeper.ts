import { addMonths, createPartitions, existingMonths, isPartitioned, monthOf, monthsBetween, MONTHS_AHEAD, Query } from '../database/partitions';

/**
 * While the table is not partitioned yet (before the migration), look again after this:
 * short, so a backdated log soon after the swap still finds its month made for it.
 */
const RECHECK_UNPARTITIONED_MS = 1000;

/**
 * Makes sure every month a batch writes to has its partition before the insert, so no
 * write ever lands in the default partition or fails: the current month and
 * MONTHS_AHEAD after it (created ahead, at the first batch of each month), and the month
 * of any backdated log (created on demand). Months from the current one on are
 * remembered once they exist, so a batch costs nothing here but a few string compares.
 * Past months are not: retention may drop or detach them at any time, so a backdated
 * log's month is made sure of (create if not exists) with every batch that has one.
 */
export class PartitionKeeper {
  private readonly known = new Set<string>();
  private loaded = false;
  private unpartitionedUntil = 0;

  constructor(private readonly connect: () => Promise<{ query: Query; release(): void }>) {}

  /**
   * Drops what the keeper believes, so the next ensure() looks at the table again: the
   * writer calls it when an insert found no partition for a row, i.e. the picture was
   * stale (the plain table was swapped for the partitioned one less than a second after
   * the keeper last looked, or a month was dropped or detached by hand).
   */
  forget(): void {
    this.known.clear();
    this.loaded = false;
    this.unpartitionedUntil = 0;
  }

  async ensure(timestamps: string[], now = new Date()): Promise<void> {
    const current = monthOf(now);
    const wanted = new Set([...monthsBetween(current, addMonths(current, MONTHS_AHEAD)), ...timestamps.map(monthOf)]);
    let missing = [...wanted].filter((m) => !this.known.has(m) || m < current);
    if (missing.length === 0 || Date.now() < this.unpartitionedUntil) return;
    const client = await this.connect();
    try {
      if (!(await isPartitioned(client.query))) {
        // Not migrated yet: rows go to the plain table, nothing to create.
        this.unpartitionedUntil = Date.now() + RECHECK_UNPARTITIONED_MS;
        return;
      }
      if (!this.loaded) {
        (await existingMonths(client.query)).forEach((m) => this.known.add(m));
        this.loaded = true;
        missing = missing.filter((m) => !this.known.has(m) || m < current);
      }
      await createPartitions(client.query, missing);
      missing.filter((m) => m >= current).forEach((m) => this.known.add(m));
    } finally {
      client.release();
    }
  }
}
