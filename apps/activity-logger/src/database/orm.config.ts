import { defineConfig, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ACTIVITY_MIGRATIONS } from './migrations';

export const ACTIVITY_SCHEMA = 'activity';

/**
 * The activity-logger owns the `activity` schema; crm-api owns `crm`. Each keeps its
 * own migrations table in its own schema, so neither tool touches the other's tables.
 *
 * MikroORM runs the migrations only. The hot path is one parameterised multi-row
 * insert per batch on node-postgres (logs/log-writer.repository.ts): there is no entity
 * to hydrate, and the unit of work would only add cost. Hence no entities here.
 */
export function activityOrmConfig(databaseUrl: string, poolSize = 1, log: (message: string) => void = console.log) {
  return defineConfig({
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    schema: ACTIVITY_SCHEMA,
    entities: [],
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true, warnWhenNoEntities: false },
    extensions: [Migrator],
    migrations: {
      tableName: 'activity_migrations',
      migrationsList: ACTIVITY_MIGRATIONS,
      transactional: true,
      allOrNothing: true,
    },
    schemaGenerator: { ignoreSchema: ['crm'] },
    pool: { min: 0, max: poolSize },
    forceUtcTimezone: true,
    debug: false,
    // The migrator reports each migration: as JSON lines like everything else.
    logger: log,
    colors: false,
    allowGlobalContext: false,
  });
}
