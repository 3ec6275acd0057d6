import { newTestService } from '../../../../test/utils/service-test';
import { SessionsService } from '../auth/sessions.service';
import type { RequestCtx } from '../common/request-context';
import { ApiKey } from './api-key.entity';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { hashSecret, KEY_SHAPE } from './secret';

const ADMIN = '0b9f7a52-2f2c-4d8e-9a55-6f0e1c7d2a11';
const ctx = { caller: { id: ADMIN, role: 'admin', kind: 'user' } } as RequestCtx;

describe('ApiKeysService', () => {
  async function service(active = 0, sameName = 0) {
    const t = await newTestService(ApiKeysService, { env: { API_KEYS_MAX: '3' } });
    const keys = t.mock(ApiKeysRepository);
    let inside = false;
    keys.serialized.mockImplementation(async (work) => {
      inside = true;
      try {
        return await work();
      } finally {
        inside = false;
      }
    });
    keys.countActive.mockImplementation(async (name) => (name === undefined ? active : sameName));
    keys.insertWithUser.mockImplementation(async (input) => {
      if (!inside) throw new Error('inserted outside the creation lock');
      return { id: 'k1', ...input } as unknown as ApiKey;
    });
    const sessions = t.mock(SessionsService);
    sessions.endAllOf.mockResolvedValue();
    return { sut: t.sut, keys, sessions };
  }

  it('create: a secret shown once, only its hash and hint stored, a service user acting as an admin only with the admin scope', async () => {
    const { sut, keys } = await service();
    const { secret, key } = await sut.create({ name: 'Web form', scopes: ['write', 'read'] }, ctx);
    expect(secret).toMatch(KEY_SHAPE);
    expect(key.id).toBe('k1');
    const stored = keys.insertWithUser.mock.calls[0][0];
    expect(stored).toMatchObject({ name: 'Web form', role: 'sales_rep', secretHash: hashSecret(secret), prefix: secret.slice(0, 9), last4: secret.slice(-4), createdById: ADMIN });
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(stored.passwordHash).toMatch(/^scrypt\$/);
    await sut.create({ name: 'Admin bot', scopes: ['admin'] }, ctx);
    expect(keys.insertWithUser.mock.calls[1][0].role).toBe('admin');
    expect(keys.countActive).toHaveBeenCalledWith('Admin bot');
  });

  it('create refuses with 409 at API_KEYS_MAX active keys, and a name an active key has; nothing is inserted', async () => {
    for (const [active, sameName, message] of [
      [3, 0, /at most 3 active API keys/],
      [1, 1, /already called "Web form"/],
    ] as const) {
      const { sut, keys } = await service(active, sameName);
      await expect(sut.create({ name: 'Web form', scopes: ['read'] }, ctx)).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(message) });
      expect(keys.insertWithUser).not.toHaveBeenCalled();
    }
  });

  it('revoke: the key and its user are revoked, then its streams end; a revoked key is left as it is; an unknown one is a 404', async () => {
    const { sut, keys, sessions } = await service();
    keys.revoke.mockResolvedValue();
    keys.findById.mockResolvedValueOnce({ id: 'k1', userId: 'u1', revokedAt: null } as ApiKey);
    await sut.revoke('k1');
    expect(keys.revoke).toHaveBeenCalledWith(expect.objectContaining({ id: 'k1', userId: 'u1' }));
    expect(sessions.endAllOf).toHaveBeenCalledWith('u1');
    keys.findById.mockResolvedValueOnce({ id: 'k1', userId: 'u1', revokedAt: new Date() } as ApiKey);
    await sut.revoke('k1');
    keys.findById.mockResolvedValueOnce(null);
    await expect(sut.revoke('k9')).rejects.toMatchObject({ code: 'not_found' });
    expect(keys.revoke).toHaveBeenCalledTimes(1);
    expect(sessions.endAllOf).toHaveBeenCalledTimes(1);
  });

  it('list: the page asked for', async () => {
    const { sut, keys } = await service();
    const page = { items: [], nextCursor: null };
    keys.page.mockResolvedValue(page);
    await expect(sut.list({ limit: 5 })).resolves.toBe(page);
    expect(keys.page).toHaveBeenCalledWith({ limit: 5, cursor: undefined });
  });
});
