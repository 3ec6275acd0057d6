import { EntityManager } from '@mikro-orm/postgresql';
import { Mocked, newTestService, ServiceTest } from '../../../../test/utils/service-test';
import { verifyPassword } from '../auth/password';
import { AdminSeeder } from './admin-seeder';
import { User } from './user.entity';
import { UsersRepository } from './users.repository';

/** The first admin of a fresh installation, with the users repository mocked. */
describe('AdminSeeder', () => {
  let t: ServiceTest<AdminSeeder>;
  let users: Mocked<UsersRepository>;
  beforeEach(async () => {
    t = await newTestService(AdminSeeder, { env: { ADMIN_EMAIL: 'Boss@Example.com', ADMIN_PASSWORD: 'a long admin passphrase 7' } });
    // The seed runs in a request context of its own: a fork of the injected EntityManager.
    t.mock(EntityManager).fork.mockReturnValue({} as never);
    users = t.mock(UsersRepository);
  });

  it('no user yet: creates the admin from ADMIN_EMAIL (lower-cased) and ADMIN_PASSWORD (hashed)', async () => {
    users.any.mockResolvedValue(false);
    users.insert.mockImplementation(async (data) => data as User);
    await t.sut.onApplicationBootstrap();
    expect(users.insert).toHaveBeenCalledTimes(1);
    const admin = users.insert.mock.calls[0][0] as { email: string; name: string; role: string; passwordHash: string };
    expect(admin).toMatchObject({ email: 'boss@example.com', name: 'Admin', role: 'admin' });
    expect(admin.passwordHash).not.toContain('a long admin passphrase 7');
    expect(await verifyPassword('a long admin passphrase 7', admin.passwordHash)).toBe(true);
  });

  it('users exist: creates nobody', async () => {
    users.any.mockResolvedValue(true);
    await t.sut.onApplicationBootstrap();
    expect(users.insert).not.toHaveBeenCalled();
  });

  it('another replica created it at the same moment (unique violation): starts anyway; any other error stops the start', async () => {
    users.any.mockResolvedValue(false);
    users.insert.mockRejectedValueOnce(Object.assign(new Error('duplicate key'), { code: '23505' }));
    await expect(t.sut.onApplicationBootstrap()).resolves.toBeUndefined();
    users.insert.mockRejectedValueOnce(Object.assign(new Error('permission denied'), { code: '42501' }));
    await expect(t.sut.onApplicationBootstrap()).rejects.toThrow('permission denied');
  });
});
