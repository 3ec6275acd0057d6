import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { User } from '../users/user.entity';

/**
 * The users table as sign-in reads it: one lookup by email. Kept in auth/ so the users
 * module's own repository stays theirs; it may absorb this method later.
 */
@Injectable()
export class CredentialsRepository {
  constructor(private readonly em: EntityManager) {}

  /** The user with this (lower-cased) email, person or service, or null. */
  byEmail(email: string): Promise<User | null> {
    return this.em.findOne(User, { email });
  }
}
