import { Client } from 'pg';

/**
 * Runs `migrate` holding a session advisory lock named `name` on the database. Replicas
 * started together (compose --scale, several crm-apis) may all migrate at start: they
 * take turns, and the later ones find nothing to do. Ending the session releases the
 * lock, also when the process dies.
 */
export async function underMigrationLock<T>(databaseUrl: string, name: string, migrate: () => Promise<T>): Promise<T> {
  const lock = new Client({ connectionString: databaseUrl, application_name: `${name} lock`, connectionTimeoutMillis: 10_000 });
  // Lost while the migrations run: the lock is gone with it; the migrator's own connection fails too, and so does the command.
  lock.on('error', () => undefined);
  await lock.connect();
  try {
    await lock.query(`select pg_advisory_lock(hashtext($1))`, [name]);
    return await migrate();
  } finally {
    await lock.end();
  }
}
