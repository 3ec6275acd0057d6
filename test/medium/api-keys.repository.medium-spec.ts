import { ApiKeysRepository, NewKey } from '../../apps/crm-api/src/api-keys/api-keys.repository';
import { hashSecret, hintOf, newSecret } from '../../apps/crm-api/src/api-keys/secret';
import { mediumDatabase } from './database';

describe('ApiKeysRepository (PostgreSQL)', () => {
  const db = mediumDatabase();
  const repo = () => new ApiKeysRepository(db.em());
  let admin: string;
  beforeAll(async () => {
    admin = await db.user('admin');
  });
  /** A new key of a random name; its secret, key and repository. */
  async function newKey(overrides: Partial<NewKey> = {}) {
    const secret = newSecret();
    const keys = repo();
    const name = `key ${secret.slice(-8)}`;
    const key = await keys.serialized(() =>
      keys.insertWithUser({
        name,
        scopes: ['read', 'write'],
        role: 'sales_rep',
        ...hintOf(secret),
        secretHash: hashSecret(secret),
        passwordHash: 'scrypt$x',
        createdById: admin,
        ...overrides,
      }),
    );
    return { secret, key, name: key.name };
  }

  it('insertWithUser: the key and its service user, which signs in nowhere and has a reserved address', async () => {
    const { key, name, secret } = await newKey({ role: 'admin', scopes: ['admin'] });
    const [user] = await db.sql<{ kind: string; name: string; role: string; email: string; created_by_id: string }>(
      'select kind, name, role, email, created_by_id from crm.users where id = ?',
      [key.userId],
    );
    expect(user).toEqual({ kind: 'service', name, role: 'admin', email: `api-key-${key.userId}@service.invalid`, created_by_id: admin });
    const found = await repo().findById(key.id);
    expect(found).toMatchObject({ id: key.id, name, scopes: ['admin'], prefix: secret.slice(0, 9), last4: secret.slice(-4), revokedAt: null, lastUsedAt: null });
  });

  it('useByHash: the service user of a live key, found by the hash alone; last_used_at written at most once per period', async () => {
    const { key, secret, name } = await newKey();
    expect(await repo().useByHash(hashSecret(newSecret()), 60)).toBeNull();
    await expect(repo().useByHash(hashSecret(secret), 60)).resolves.toEqual({
      keyId: key.id,
      scopes: ['read', 'write'],
      id: key.userId,
      name,
      email: `api-key-${key.userId}@service.invalid`,
      role: 'sales_rep',
    });
    // Plain statements answer timestamps as text.
    const lastUsed = async () => {
      const [row] = await db.sql<{ at: string | null }>('select last_used_at as at from crm.api_keys where id = ?', [key.id]);
      return row.at === null ? null : new Date(row.at).getTime();
    };
    const first = await lastUsed();
    expect(first).toBeGreaterThan(Date.now() - 60_000);
    await repo().useByHash(hashSecret(secret), 60);
    expect(await lastUsed()).toBe(first);
    await db.sql(`update crm.api_keys set last_used_at = now() - interval '2 minutes' where id = ?`, [key.id]);
    await repo().useByHash(hashSecret(secret), 60);
    expect(await lastUsed()).toBeGreaterThanOrEqual(first! - 1000);
  });

  it('revoke: the key is refused and its user disabled, together; liveRoles no longer lists it', async () => {
    const live = await newKey();
    const gone = await newKey();
    await repo().revoke(gone.key);
    expect(await repo().useByHash(hashSecret(gone.secret), 60)).toBeNull();
    const [user] = await db.sql<{ disabled_at: string | null }>('select disabled_at from crm.users where id = ?', [gone.key.userId]);
    expect(user.disabled_at).not.toBeNull();
    expect((await repo().findById(gone.key.id))?.revokedAt).toBeInstanceOf(Date);
    expect(await repo().liveRoles([live.key.id, gone.key.id])).toEqual(new Map([[live.key.id, 'sales_rep']]));
  });

  it('countActive: unrevoked keys, by name case aside and literally (% and _ match only themselves)', async () => {
    const { name } = await newKey({ name: `Form_100% ${Date.now()}` });
    const keys = repo();
    expect(await keys.countActive(name.toUpperCase())).toBe(1);
    expect(await keys.countActive(name.replace('_', 'x'))).toBe(0);
    expect(await keys.countActive(name.replace('100%', '1000'))).toBe(0);
    expect(await keys.countActive()).toBeGreaterThanOrEqual(1);
  });

  it('serialized: two creations take turns, and a creation that throws leaves nothing', async () => {
    const [a, b] = [repo(), repo()];
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inFirst = new Promise<void>((r) => (entered = r));
    const first = a.serialized(async () => {
      order.push('first in');
      entered();
      await held;
      order.push('first out');
    });
    await inFirst;
    const second = b.serialized(async () => {
      order.push('second in');
    });
    await new Promise((r) => setTimeout(r, 200));
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'first out', 'second in']);

    const secret = newSecret();
    const keys = repo();
    await expect(
      keys.serialized(async () => {
        await keys.insertWithUser({
          name: 'doomed',
          scopes: ['read'],
          role: 'sales_rep',
          ...hintOf(secret),
          secretHash: hashSecret(secret),
          passwordHash: 'scrypt$x',
          createdById: admin,
        });
        throw new Error('refused after the insert');
      }),
    ).rejects.toThrow('refused after the insert');
    expect(await repo().useByHash(hashSecret(secret), 60)).toBeNull();
    expect(await db.sql('select 1 from crm.api_keys where secret_hash = ?', [hashSecret(secret)])).toEqual([]);
  });

  it('page: newest first, with a cursor to the next page', async () => {
    await newKey();
    await newKey();
    const page = await repo().page({ limit: 1 });
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).toEqual(expect.any(String));
  });
});
