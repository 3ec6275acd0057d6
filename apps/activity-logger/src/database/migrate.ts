import { MikroORM } from '@mikro-orm/postgresql';
import { ensureDatabase, underMigrationLock } from '@app/platform';
import { ACTIVITY_SCHEMA, activityOrmConfig } from './orm.config';

/**
 * `main.js migrate`: create the database when missing, the schema, then apply the
 * logger's migrations, one replica at a time (underMigrationLock).
 */
export async function migrateActivity(databaseUrl: string, log?: (message: string) => void): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  return underMigrationLock(databaseUrl, 'activity-logger:migrate', async () => {
    const orm = await MikroORM.init(activityOrmConfig(databaseUrl, 1, log));
    try {
      // The migrations table lives in this schema, so it must exist before the migrator looks.
      await orm.em.getConnection().execute(`create schema if not exists "${ACTIVITY_SCHEMA}"`);
      const applied = await orm.getMigrator().up();
      return applied.map((m) => m.name);
    } finally {
      await orm.close(true);
    }
  });
}
