import { newTestService } from '../../../../test/utils/service-test';
import { ApiKeysRepository } from '../api-keys/api-keys.repository';
import { hashSecret, newSecret } from '../api-keys/secret';
import { ApiKeyAuth, LAST_USED_EVERY_SECONDS } from './api-key-auth';

describe('ApiKeyAuth', () => {
  async function keyAuth() {
    const t = await newTestService(ApiKeyAuth);
    return { sut: t.sut, keys: t.mock(ApiKeysRepository) };
  }

  it("a live key is its service user, with the key's id and scopes; it is looked up by its hash, never by the secret", async () => {
    const { sut, keys } = await keyAuth();
    const secret = newSecret();
    keys.useByHash.mockResolvedValue({ keyId: 'k1', scopes: ['read', 'write'], id: 'u1', name: 'Web form', email: 'api-key-u1@service.invalid', role: 'sales_rep' });
    await expect(sut.authenticate(secret)).resolves.toEqual({
      id: 'u1',
      name: 'Web form',
      email: 'api-key-u1@service.invalid',
      role: 'sales_rep',
      kind: 'api_key',
      apiKeyId: 'k1',
      scopes: ['read', 'write'],
    });
    expect(keys.useByHash).toHaveBeenCalledWith(hashSecret(secret), LAST_USED_EVERY_SECONDS);
  });

  it('an unknown or revoked key is a 401; a token not shaped like a key is refused without a query', async () => {
    const { sut, keys } = await keyAuth();
    keys.useByHash.mockResolvedValue(null);
    await expect(sut.authenticate(newSecret())).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(sut.authenticate('crmk_short')).rejects.toMatchObject({ code: 'unauthorized', message: expect.not.stringContaining('crmk_short') });
    expect(keys.useByHash).toHaveBeenCalledTimes(1);
  });
});
