import { fakeRecords, requestCtx, serviceWith } from '../../../../test/utils/record-service-test';
import { hashPassword } from '../auth/password';
import { SessionsService } from '../auth/sessions.service';
import { User } from './user.entity';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

describe('UsersService (repositories mocked)', () => {
  const admin = requestCtx('admin');
  const build = async () => {
    const users = Object.assign(fakeRecords<User>('user'), { insert: jest.fn(async (d: Partial<User>) => ({ id: 'new', ...d })), save: jest.fn(async () => undefined) });
    const sessions = { endAllOf: jest.fn(async () => undefined), rightsChanged: jest.fn(async () => undefined) };
    const built = await serviceWith(UsersService, [
      { provide: UsersRepository, useValue: users },
      { provide: SessionsService, useValue: sessions },
    ]);
    return { users, sessions, ...built };
  };
  const person = (users: ReturnType<typeof fakeRecords<User>>, over: Partial<User> = {}) =>
    users.add({ email: 'rep@crm.test', name: 'Rep', role: 'sales_rep', kind: 'person', disabledAt: null, passwordHash: 'x', ...over }) as User;

  it('create hashes the password and records who created the user', async () => {
    const { service, users } = await build();
    const user = await service.create({ email: 'a@crm.test', name: 'A', role: 'sales_rep', password: 'a long enough secret 1' }, admin);
    expect(users.insert).toHaveBeenCalledTimes(1);
    expect(user).toMatchObject({ email: 'a@crm.test', createdById: admin.caller.id });
    expect(user.passwordHash).toMatch(/^scrypt\$/);
  });

  it('a new role counts at once; disabling ends every session; an admin cannot change themself', async () => {
    const { service, users, sessions } = await build();
    const rep = person(users);
    await service.update(rep.id, { role: 'manager' }, admin);
    expect(sessions.rightsChanged).toHaveBeenCalledWith(rep.id);
    await service.update(rep.id, { disabled: true }, admin);
    expect(rep.disabledAt).toBeInstanceOf(Date);
    expect(sessions.endAllOf).toHaveBeenCalledWith(rep.id);
    expect(users.save).toHaveBeenCalledTimes(2);
    await expect(service.update(admin.caller.id, { role: 'sales_rep' }, admin)).rejects.toMatchObject({ code: 'conflict' });
  });

  it("an API key's service user is managed through its key (409)", async () => {
    const { service, users } = await build();
    const svc = person(users, { kind: 'service' });
    await expect(service.update(svc.id, { role: 'admin' }, admin)).rejects.toMatchObject({ code: 'conflict' });
    await expect(service.resetPassword(svc.id, { password: 'another long secret 2' })).rejects.toMatchObject({ code: 'conflict' });
  });

  it("changing one's own password needs the current one and ends the other sessions", async () => {
    const { service, users, sessions } = await build();
    const me = person(users, { passwordHash: await hashPassword('the current secret 3') });
    const ctx = requestCtx('sales_rep', { id: me.id, sessionId: 's1' });
    await expect(service.changeOwnPassword(ctx.caller, { current_password: 'wrong', new_password: 'a brand new secret 4' })).rejects.toMatchObject({ code: 'invalid' });
    await service.changeOwnPassword(ctx.caller, { current_password: 'the current secret 3', new_password: 'a brand new secret 4' });
    expect(sessions.endAllOf).toHaveBeenCalledWith(me.id, 's1');
  });
});
