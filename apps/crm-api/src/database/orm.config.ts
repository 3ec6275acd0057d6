import { defineConfig, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ReflectMetadataProvider } from '@mikro-orm/core';
import { CRM_ENTITIES } from './entities';
import { CRM_MIGRATIONS } from './migrations';

/**
 * crm-api owns the `crm` schema; the activity-logger owns `activity`. Each keeps its
 * own migrations table in its own schema, so neither tool ever touches the other's tables.
 */
export function crmOrmConfig(databaseUrl: string, poolSize = 10) {
  return defineConfig({
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    schema: 'crm',
    entities: CRM_ENTITIES,
    metadataProvider: ReflectMetadataProvider,
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    extensions: [Migrator],
    // silent: migrate.ts logs the applied names as one JSON line instead of the migrator's coloured text.
    migrations: { tableName: 'crm_migrations', migrationsList: CRM_MIGRATIONS, transactional: true, allOrNothing: true, silent: true },
    schemaGenerator: { ignoreSchema: ['activity'] },
    pool: { min: 0, max: poolSize },
    forceUtcTimezone: true,
    debug: false,
    allowGlobalContext: false,
  });
}
