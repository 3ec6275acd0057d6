import { MikroORM } from '@mikro-orm/postgresql';
import { ensureDatabase, underMigrationLock } from '@app/platform';
import { crmOrmConfig } from './orm.config';

/**
 * `main.js migrate`: create the database when missing, then apply crm-api's migrations,
 * one replica at a time (underMigrationLock), like the logger's.
 */
export async function migrateCrm(databaseUrl: string): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  return underMigrationLock(databaseUrl, 'crm-api:migrate', async () => {
    const orm = await MikroORM.init(crmOrmConfig(databaseUrl, 1));
    try {
      await orm.em.getConnection().execute('create schema if not exists "crm"');
      const applied = await orm.getMigrator().up();
      return applied.map((m) => m.name);
    } finally {
      await orm.close(true);
    }
  });
}
