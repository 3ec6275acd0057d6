import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import type { Caller } from '../common/request-context';

/**
 * Exports running per user on this replica: each holds a connection of the feed's pool
 * for as long as it runs, so a user gets at most EXPORTS_PER_USER at once (429 past it).
 */
@Injectable()
export class ExportSlots {
  private readonly open = new Map<string, number>();

  /** Takes one of the caller's slots; the function returned gives it back (once, however often called). */
  claim(caller: Caller, max: number): () => void {
    const open = this.open.get(caller.id) ?? 0;
    if (open >= max) throw new DomainError('rate_limited', `at most ${max} exports at once per user (this replica): wait for one to finish`, 5);
    this.open.set(caller.id, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(caller.id) ?? 1) - 1;
      if (left > 0) this.open.set(caller.id, left);
      else this.open.delete(caller.id);
    };
  }
}
