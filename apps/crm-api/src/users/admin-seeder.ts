import { EntityManager, RequestContext } from '@mikro-orm/postgresql';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { hashPassword } from '../auth/password';
import { ApiConfig } from '../config/api.config';
import { UsersRepository } from './users.repository';

/**
 * A fresh installation has no user, so nobody could log in to create one: on start,
 * when the users table is empty, the admin from ADMIN_EMAIL / ADMIN_PASSWORD is created.
 * ApiConfig already refuses the development defaults in production.
 */
@Injectable()
export class AdminSeeder implements OnApplicationBootstrap {
  private readonly log = new Logger(AdminSeeder.name);

  constructor(
    private readonly em: EntityManager,
    private readonly users: UsersRepository,
    private readonly config: ApiConfig,
  ) {}

  /** Outside any request: a context of its own for the repository's EntityManager. */
  onApplicationBootstrap(): Promise<void> {
    return RequestContext.create(this.em, () => this.seed());
  }

  private async seed(): Promise<void> {
    if (await this.users.any()) return;
    const now = new Date();
    const admin = {
      email: this.config.ADMIN_EMAIL.toLowerCase(),
      name: 'Admin',
      role: 'admin' as const,
      passwordHash: await hashPassword(this.config.ADMIN_PASSWORD),
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.users.insert(admin);
      this.log.log({ msg: 'created the first admin', email: this.config.ADMIN_EMAIL });
    } catch (e) {
      // Another replica starting at the same moment created it first.
      if ((e as { code?: string }).code !== '23505') throw e;
    }
  }
}
