import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { defined } from '../common/objects';
import { findPage, Page } from '../common/pagination';
import type { RequestCtx } from '../common/request-context';
import { hashPassword } from '../auth/password';
import { CreateUserDto, UserListQuery } from './user.dto';
import { User } from './user.entity';

@Injectable()
export class UsersService {
  /** Resolves to the request's EntityManager (MikroORM's request context), never the global one. */
  constructor(private readonly em: EntityManager) {}

  list(query: UserListQuery): Promise<Page<User>> {
    const { limit, cursor, role } = query;
    return findPage(this.em, User, defined({ role }), { limit, cursor });
  }

  async get(id: string): Promise<User> {
    const user = await this.em.findOne(User, { id });
    if (!user) throw DomainError.notFound('user', id);
    return user;
  }

  /** Who may create users is the guard's call (@AdminOnly); a taken email is a 409 from the unique key. */
  async create(input: CreateUserDto, ctx: RequestCtx): Promise<User> {
    const now = new Date();
    const user = this.em.create(User, {
      email: input.email,
      name: input.name,
      role: input.role,
      passwordHash: await hashPassword(input.password),
      createdById: ctx.caller.id,
      createdAt: now,
      updatedAt: now,
    });
    await this.em.persist(user).flush();
    return user;
  }
}
