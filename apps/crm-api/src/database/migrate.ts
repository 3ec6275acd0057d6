import { MikroORM } from '@mikro-orm/postgresql';
import { ensureDatabase } from '@app/platform';
import { crmOrmConfig } from './orm.config';

/** `main.js migrate`: create the database when missing, then apply crm-api's migrations. */
export async function migrateCrm(databaseUrl: string): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const orm = await MikroORM.init(crmOrmConfig(databaseUrl, 1));
  try {
    await orm.em.getConnection().execute('create schema if not exists "crm"');
    const applied = await orm.getMigrator().up();
    return applied.map((m) => m.name);
  } finally {
    await orm.close(true);
  }
}
