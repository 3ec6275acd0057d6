import { Logger } from '@nestjs/common';

/**
 * At most one warning line per window, saying how many it stands for: during a database
 * outage every request fails the same way, and one line per request would write
 * hundreds a second. The first failure is logged at once.
 */
export class ThrottledWarning {
  private lastLineAt = -Infinity;
  private suppressed = 0;

  constructor(
    private readonly log: Logger,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(fields: Record<string, unknown>): void {
    const now = this.now();
    if (now - this.lastLineAt < this.windowMs) {
      this.suppressed += 1;
      return;
    }
    this.log.warn(this.suppressed ? { ...fields, more_since_last_line: this.suppressed } : fields);
    this.lastLineAt = now;
    this.suppressed = 0;
  }
}
