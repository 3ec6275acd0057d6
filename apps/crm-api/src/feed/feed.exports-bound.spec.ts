import type { Pool } from 'pg';
import { DomainError } from '../common/domain-error';
import type { Caller } from '../common/request-context';
import type { ApiConfig } from '../config/api.config';
import type { Policy } from '../auth/policy';
import { FeedService } from './feed.service';

/** EXPORTS_PER_USER: the bound on one user's concurrent exports on a replica (the 429 of the export route). */
describe('FeedService.claimExport', () => {
  const config = { DATABASE_URL: 'postgres://127.0.0.1:1/none', DB_CONNECT_TIMEOUT_MS: 100, DB_QUERY_TIMEOUT_MS: 100 } as unknown as ApiConfig;
  const feed = new FeedService({} as Pool, config, {} as Policy);
  const ann = { id: '00000000-0000-4000-8000-00000000000a' } as Caller;
  const bob = { id: '00000000-0000-4000-8000-00000000000b' } as Caller;

  it('refuses the user a third export while two run (rate_limited, with a retry time), not another user; a release makes room once', () => {
    const first = feed.claimExport(ann, 2);
    const second = feed.claimExport(ann, 2);
    let refused: unknown;
    try {
      feed.claimExport(ann, 2);
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 5 });
    expect((refused as Error).message).toMatch(/at most 2 exports at once/);
    const other = feed.claimExport(bob, 2); // another user's count is their own

    first();
    first(); // a second release of the same claim frees nothing more
    const third = feed.claimExport(ann, 2);
    expect(() => feed.claimExport(ann, 2)).toThrow(DomainError);
    [second, third, other].forEach((release) => release());
    feed.claimExport(ann, 2)();
  });
});
