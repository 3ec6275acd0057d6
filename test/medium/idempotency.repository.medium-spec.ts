import { randomUUID } from 'node:crypto';
import { lockIdOf } from '../../apps/crm-api/src/common/idempotency-key';
import { IdempotencyRepository, StoredAnswer } from '../../apps/crm-api/src/common/idempotency.repository';
import { mediumDatabase } from './database';

const TTL = 24;
const answer = (status: number, body: string | null, headers: Record<string, string> = {}): StoredAnswer => ({ status, body, headers });

describe('IdempotencyRepository (PostgreSQL)', () => {
  const db = mediumDatabase();
  const repo = () => new IdempotencyRepository(db.em());
  const fingerprint = (c: string) => c.repeat(64);
  /** Ages a stored key by `hours`. */
  const age = (userId: string, key: string, hours: number) =>
    db.sql(`update crm.idempotency_keys set created_at = now() - make_interval(hours => ?) where user_id = ? and key = ?`, [hours, userId, key]);

  it('a saved answer is found again, byte for byte with its headers, by its user and key only', async () => {
    const [ann, bob] = [randomUUID(), randomUUID()];
    const body = '{"id":"l1","name":"Zoë \\"quoted\\""}';
    await repo().save(ann, 'k1', fingerprint('a'), answer(201, body, { location: '/api/leads/l1/', etag: '"e1"' }));
    await expect(repo().findLive(ann, 'k1', TTL)).resolves.toEqual({ fingerprint: fingerprint('a'), status: 201, body, headers: { location: '/api/leads/l1/', etag: '"e1"' } });
    await expect(repo().findLive(bob, 'k1', TTL)).resolves.toBeNull();
    await expect(repo().findLive(ann, 'k2', TTL)).resolves.toBeNull();
  });

  it('a key older than the TTL is not found, and saving under it again replaces it', async () => {
    const ann = randomUUID();
    await repo().save(ann, 'k', fingerprint('a'), answer(201, '{}'));
    await age(ann, 'k', TTL + 1);
    await expect(repo().findLive(ann, 'k', TTL)).resolves.toBeNull();
    await repo().save(ann, 'k', fingerprint('b'), answer(204, null));
    await expect(repo().findLive(ann, 'k', TTL)).resolves.toEqual({ fingerprint: fingerprint('b'), status: 204, body: null, headers: {} });
  });

  it('replaceAnswer changes the answer and keeps the fingerprint', async () => {
    const ann = randomUUID();
    await repo().save(ann, 'k', fingerprint('a'), answer(202, '{"status":"pending"}'));
    await repo().replaceAnswer(ann, 'k', answer(201, '{"status":"written"}', { location: '/x/' }));
    await expect(repo().findLive(ann, 'k', TTL)).resolves.toEqual({ fingerprint: fingerprint('a'), status: 201, body: '{"status":"written"}', headers: { location: '/x/' } });
  });

  it('saveRefusal never overwrites a live answer, but does replace an expired one', async () => {
    const ann = randomUUID();
    await repo().save(ann, 'k', fingerprint('a'), answer(201, '{"id":"l1"}'));
    await repo().saveRefusal(ann, 'k', fingerprint('b'), 404, '{"detail":"gone"}', TTL);
    await expect(repo().findLive(ann, 'k', TTL)).resolves.toMatchObject({ fingerprint: fingerprint('a'), status: 201 });
    await age(ann, 'k', TTL + 1);
    await repo().saveRefusal(ann, 'k', fingerprint('b'), 404, '{"detail":"gone"}', TTL);
    await expect(repo().findLive(ann, 'k', TTL)).resolves.toEqual({ fingerprint: fingerprint('b'), status: 404, body: '{"detail":"gone"}', headers: {} });
  });

  it('what a transaction saved is gone when it throws', async () => {
    const ann = randomUUID();
    const keys = repo();
    await expect(
      keys.transaction(async () => {
        await keys.save(ann, 'k', fingerprint('a'), answer(201, '{}'));
        throw new Error('the handler failed');
      }),
    ).rejects.toThrow('the handler failed');
    await expect(repo().findLive(ann, 'k', TTL)).resolves.toBeNull();
  });

  it('tryLock: refused while another transaction holds the (user, key) lock, granted once it ends', async () => {
    const lock = lockIdOf(randomUUID(), 'k');
    const [first, second] = [repo(), repo()];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: (ok: boolean) => void;
    const taken = new Promise<boolean>((r) => (locked = r));
    const holder = first.transaction(async () => {
      locked(await first.tryLock(lock));
      await held;
    });
    try {
      await expect(taken).resolves.toBe(true);
      await expect(second.transaction(() => second.tryLock(lock))).resolves.toBe(false);
    } finally {
      release();
      await holder;
    }
    await expect(second.transaction(() => second.tryLock(lock))).resolves.toBe(true);
  });

  it('deleteOlderThan removes the expired keys and keeps the live ones', async () => {
    const ann = randomUUID();
    await repo().save(ann, 'old', fingerprint('a'), answer(201, '{}'));
    await repo().save(ann, 'new', fingerprint('a'), answer(201, '{}'));
    await age(ann, 'old', TTL + 1);
    await repo().deleteOlderThan(TTL);
    const rows = await db.sql<{ key: string }>('select key from crm.idempotency_keys where user_id = ?', [ann]);
    expect(rows.map((r) => r.key)).toEqual(['new']);
  });
});
