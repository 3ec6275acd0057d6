import { EntityManager, RequiredEntityData } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { RecordRepository } from '../common/record.repository';
import { User } from './user.entity';

/** crm.users through the unit of work. */
@Injectable()
export class UsersRepository extends RecordRepository<User> {
  constructor(em: EntityManager) {
    super(em, User, 'user');
  }

  /** The names of these users by id, in one query (ids with no user are absent). */
  async names(ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const users = await this.em.find(User, { id: { $in: ids } }, { fields: ['name'] });
    return new Map(users.map((u) => [u.id, u.name]));
  }

  /** Whether any user exists (a fresh installation has none). */
  async any(): Promise<boolean> {
    return (await this.em.count(User, {})) > 0;
  }

  /** Writes a new user now; a taken email fails on the unique key (409). */
  async insert(data: RequiredEntityData<User>): Promise<User> {
    const user = this.em.create(User, data);
    await this.em.persist(user).flush();
    return user;
  }

  /** Writes what changed in the users this request loaded. */
  save(): Promise<void> {
    return this.em.flush();
  }
}
