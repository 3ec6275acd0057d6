import { CreateUserDto, toUserView } from './user.dto';
import { User } from './user.entity';

describe('user DTOs', () => {
  it('lower-cases the email and defaults the role', () => {
    expect(CreateUserDto.parse({ email: 'Rita@Example.com', password: 'longenough', name: 'Rita' })).toEqual({
      email: 'rita@example.com',
      password: 'longenough',
      name: 'Rita',
      role: 'sales_rep',
    });
  });

  it('refuses short passwords and unknown roles', () => {
    expect(CreateUserDto.safeParse({ email: 'a@b.co', password: 'short', name: 'x' }).success).toBe(false);
    expect(CreateUserDto.safeParse({ email: 'a@b.co', password: 'longenough', name: 'x', role: 'root' }).success).toBe(false);
  });

  it('never shows the password hash', () => {
    const u = Object.assign(new User(), { email: 'a@b.co', name: 'A', role: 'admin', passwordHash: 'scrypt$secret' });
    expect(JSON.stringify(toUserView(u))).not.toContain('secret');
  });
});
