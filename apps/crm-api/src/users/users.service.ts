import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { defined } from '../common/objects';
import { Page } from '../common/pagination';
import type { Caller, RequestCtx } from '../common/request-context';
import { passwordProblem } from '../auth/password-rules';
import { SessionsService } from '../auth/sessions.service';
import { hashPassword, verifyPassword } from '../auth/password';
import { ChangePasswordDto, CreateUserDto, ResetPasswordDto, UpdateUserDto, UserListQuery } from './user.dto';
import { User } from './user.entity';
import { UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsService,
  ) {}

  list(query: UserListQuery): Promise<Page<User>> {
    const { limit, cursor, role, kind } = query;
    return this.users.page(defined({ role, kind }), { limit, cursor });
  }

  get(id: string): Promise<User> {
    return this.users.get(id);
  }

  /**
   * A user an admin may change: not an API key's service user, whose role follows the
   * key's scopes, who has no password and who is disabled by revoking the key.
   */
  private async person(id: string): Promise<User> {
    const user = await this.get(id);
    if (user.kind === 'service') throw DomainError.conflict(`user ${id} is an API key's service user: manage it through /api/api-keys/ (revoke and create a new key)`);
    return user;
  }

  /** Who may create users is the guard's call (@AdminOnly); a taken email is a 409 from the unique key. */
  async create(input: CreateUserDto, ctx: RequestCtx): Promise<User> {
    const now = new Date();
    return this.users.insert({
      email: input.email,
      name: input.name,
      role: input.role,
      passwordHash: await hashPassword(input.password),
      createdById: ctx.caller.id,
      createdAt: now,
      updatedAt: now,
    });
  }

  /**
   * An admin changes a user's role or disables them. A new role counts from the user's
   * next request (no cache) and ends their open streams; disabling ends every session.
   * An admin cannot do either to themself, so the last admin cannot lock everyone out.
   */
  async update(id: string, input: UpdateUserDto, ctx: RequestCtx): Promise<User> {
    if (id === ctx.caller.id) throw DomainError.conflict('an admin cannot change their own role or disable themself; another admin must');
    const user = await this.person(id);
    const roleChanged = input.role !== undefined && input.role !== user.role;
    const disabling = input.disabled === true && user.disabledAt === null;
    if (input.role !== undefined) user.role = input.role;
    if (input.disabled !== undefined) user.disabledAt = input.disabled ? (user.disabledAt ?? new Date()) : null;
    user.updatedAt = new Date();
    await this.users.save();
    if (disabling) await this.sessions.endAllOf(id);
    else if (roleChanged) await this.sessions.rightsChanged(id);
    return user;
  }

  /** An admin sets a user's password: every session of that user ends. */
  async resetPassword(id: string, input: ResetPasswordDto): Promise<void> {
    const user = await this.person(id);
    await this.setPassword(user, input.password);
    await this.sessions.endAllOf(id);
  }

  /** A user changes their own password, knowing the current one; their other sessions end. */
  async changeOwnPassword(caller: Caller, input: ChangePasswordDto): Promise<void> {
    const user = await this.get(caller.id);
    if (!(await verifyPassword(input.current_password, user.passwordHash))) throw DomainError.invalid(['current_password: wrong password']);
    await this.setPassword(user, input.new_password, 'new_password');
    await this.sessions.endAllOf(caller.id, caller.sessionId);
  }

  private async setPassword(user: User, password: string, field = 'password'): Promise<void> {
    const problem = passwordProblem(password, user);
    if (problem) throw DomainError.invalid([`${field}: ${problem}`]);
    user.passwordHash = await hashPassword(password);
    user.updatedAt = new Date();
    await this.users.save();
  }
}
