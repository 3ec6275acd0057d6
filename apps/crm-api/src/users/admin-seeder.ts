import { MikroORM } from '@mikro-orm/postgresql';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { hashPassword } from '../auth/password';
import { ApiConfig } from '../config/api.config';
import { User } from './user.entity';

/**
 * A fresh installation has no user, so nobody could log in to create one: on start,
 * when the users table is empty, the admin from ADMIN_EMAIL / ADMIN_PASSWORD is created.
 * ApiConfig already refuses the development defaults in production.
 */
@Injectable()
export class AdminSeeder implements OnApplicationBootstrap {
  private readonly log = new Logger(AdminSeeder.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly config: ApiConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const em = this.orm.em.fork(); // outside any request: a fork of its own
    if ((await em.count(User, {})) > 0) return;
    const now = new Date();
    em.create(User, {
      email: this.config.ADMIN_EMAIL.toLowerCase(),
      name: 'Admin',
      role: 'admin',
      passwordHash: await hashPassword(this.config.ADMIN_PASSWORD),
      createdAt: now,
      updatedAt: now,
    });
    try {
      await em.flush();
      this.log.log({ msg: 'created the first admin', email: this.config.ADMIN_EMAIL });
    } catch (e) {
      // Another replica starting at the same moment created it first.
      if ((e as { code?: string }).code !== '23505') throw e;
    }
  }
}
