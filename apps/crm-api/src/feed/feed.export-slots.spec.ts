import { DomainError } from '../common/domain-error';
import type { Caller } from '../common/request-context';
import { ExportSlots } from './feed.export-slots';

/** EXPORTS_PER_USER: the bound on one user's concurrent exports on a replica (the 429 of the export route). */
describe('ExportSlots', () => {
  const feed = new ExportSlots();
  const ann = { id: '00000000-0000-4000-8000-00000000000a' } as Caller;
  const bob = { id: '00000000-0000-4000-8000-00000000000b' } as Caller;

  it('refuses the user a third export while two run (rate_limited, with a retry time), not another user; a release makes room once', () => {
    const first = feed.claim(ann, 2);
    const second = feed.claim(ann, 2);
    let refused: unknown;
    try {
      feed.claim(ann, 2);
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 5 });
    expect((refused as Error).message).toMatch(/at most 2 exports at once/);
    const other = feed.claim(bob, 2); // another user's count is their own

    first();
    first(); // a second release of the same claim frees nothing more
    const third = feed.claim(ann, 2);
    expect(() => feed.claim(ann, 2)).toThrow(DomainError);
    [second, third, other].forEach((release) => release());
    feed.claim(ann, 2)();
  });
});
