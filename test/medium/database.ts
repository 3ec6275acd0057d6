import { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { crmOrmConfig } from '../../apps/crm-api/src/database/orm.config';
import type { Role } from '../../apps/crm-api/src/common/request-context';
import { User } from '../../apps/crm-api/src/users/user.entity';

/**
 * The run's medium database (test/support/medium-setup.ts), opened once per file with
 * crm-api's own ORM config. Files share the database and run side by side: every test
 * makes its own users and keys (random ids and emails) and looks only at those.
 */
export function mediumDatabase() {
  const url = process.env.TEST_MEDIUM_DATABASE_URL;
  if (!url) throw new Error('TEST_MEDIUM_DATABASE_URL is not set: run the medium project (npx jest --selectProjects medium)');
  let orm: MikroORM | undefined;
  beforeAll(async () => {
    orm = await MikroORM.init(crmOrmConfig(url, 4));
  });
  afterAll(async () => {
    await orm?.close(true);
  });
  const opened = () => {
    if (!orm) throw new Error('the medium database is opened in beforeAll');
    return orm;
  };
  return {
    /**
     * A fresh EntityManager that, like the one Nest injects, resolves to the transaction
     * in progress (useContext): a repository's `transactional` work then runs in it. A
     * plain fork would run those statements beside the transaction, not in it.
     */
    em: (): EntityManager => opened().em.fork({ useContext: true }),
    /** A plain statement, to look at (or age) rows the way an operator would. */
    sql: <T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> => opened().em.fork().execute<T[]>(text, params),
    /** A new person with a random email; returns its id. */
    async user(role: Role = 'sales_rep', disabled = false): Promise<string> {
      const em = opened().em.fork();
      const id = randomUUID();
      em.create(User, { id, email: `${id}@medium.test`, name: `user ${id.slice(0, 8)}`, role, passwordHash: 'scrypt$unused', disabledAt: disabled ? new Date() : null });
      await em.flush();
      return id;
    },
  };
}
