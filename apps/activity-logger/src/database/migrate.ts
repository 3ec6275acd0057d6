import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { ensureDatabase } from '@app/platform';
import { ACTIVITY_SCHEMA, activityOrmConfig } from './orm.config';

/**
 * `main.js migrate`: create the database when missing, the schema, then apply the
 * logger's migrations. Replicas started together (compose --scale) may all run it: a
 * session advisory lock makes them take turns, and the later ones find nothing to do.
 */
export async function migrateActivity(databaseUrl: string, log?: (message: string) => void): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const lock = new Client({ connectionString: databaseUrl, application_name: 'activity-logger migrate', connectionTimeoutMillis: 10_000 });
  // Lost while the migrations run: the lock is gone with it; the migrator's own connection fails too, and so does the command.
  lock.on('error', () => undefined);
  await lock.connect();
  try {
    await lock.query(`select pg_advisory_lock(hashtext('activity-logger:migrate'))`);
    const orm = await MikroORM.init(activityOrmConfig(databaseUrl, 1, log));
    try {
      // The migrations table lives in this schema, so it must exist before the migrator looks.
      await orm.em.getConnection().execute(`create schema if not exists "${ACTIVITY_SCHEMA}"`);
      const applied = await orm.getMigrator().up();
      return applied.map((m) => m.name);
    } finally {
      await orm.close(true);
    }
  } finally {
    await lock.end(); // ending the session releases the lock
  }
}
