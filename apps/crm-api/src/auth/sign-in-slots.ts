import { Provider } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { ApiConfig } from '../config/api.config';

/**
 * A bound on sign-ins in progress. Each hashes a password with scrypt (~16 MB and tens of
 * milliseconds of one of libuv's four threads, which DNS lookups and file I/O share) and
 * runs a few queries: a flood of sign-ins used to queue on both and slow every other
 * request. Here a sign-in waits at most `waitMs` for one of `slots`, else it is refused
 * with 429 and Retry-After, so the flood is what gets turned away.
 */
export class SignInSlots {
  private busy = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly slots: number,
    private readonly waitMs: number,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.busy < this.slots) {
      this.busy += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const granted = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(granted), 1);
        reject(new DomainError('rate_limited', 'too many sign-ins at once; try again in 1 s', 1));
      }, this.waitMs);
      this.waiting.push(granted);
    });
  }

  /** The slot passes straight to the next waiter, if any (busy stays the same). */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy -= 1;
  }
}

/** The replica's one SignInSlots, sized by SIGN_IN_CONCURRENCY and SIGN_IN_WAIT_MS. */
export const SIGN_IN_SLOTS: Provider = {
  provide: SignInSlots,
  inject: [ApiConfig],
  useFactory: (config: ApiConfig) => new SignInSlots(config.SIGN_IN_CONCURRENCY, config.SIGN_IN_WAIT_MS),
};
