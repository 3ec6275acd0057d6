import { defineConfig, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ReflectMetadataProvider } from '@mikro-orm/core';
import type { Client } from 'pg';
import { DbTimeouts, endedOnQueryTimeout, endOnQueryTimeout, pgClientOptions, QUERY_TIMEOUT_MARGIN_MS } from '@app/platform';
import { CRM_ENTITIES } from './entities';
import { CRM_MIGRATIONS } from './migrations';
import { CrmNamingStrategy } from './naming';

/** How the serving app's pool bounds its waits (migrations run without them: a statement may be long). */
export interface OrmRuntime {
  timeouts: DbTimeouts;
  acquireTimeoutMs: number;
  applicationName: string;
  /** knex's warnings (mostly: a pooled connection found dead, replaced), as log lines. */
  warn: (message: string) => void;
}

/**
 * crm-api owns the `crm` schema; the activity-logger owns `activity`. Each keeps its
 * own migrations table in its own schema, so neither tool ever touches the other's tables.
 */
export function crmOrmConfig(databaseUrl: string, poolSize = 10, runtime?: OrmRuntime) {
  return defineConfig({
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    schema: 'crm',
    entities: CRM_ENTITIES,
    namingStrategy: CrmNamingStrategy,
    metadataProvider: ReflectMetadataProvider,
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    extensions: [Migrator],
    // silent: migrate.ts logs the applied names as one JSON line instead of the migrator's coloured text.
    migrations: { tableName: 'crm_migrations', migrationsList: CRM_MIGRATIONS, transactional: true, allOrNothing: true, silent: true },
    schemaGenerator: { ignoreSchema: ['activity'] },
    pool: { min: 0, max: poolSize, ...(runtime && poolBounds(runtime)) },
    // Merged into knex's config: every pg client knex opens gets the timeouts, a name in
    // pg_stat_activity, and keepalive. (knex itself listens for each client's 'error'.)
    ...(runtime && { driverOptions: { connection: pgClientOptions(runtime.timeouts, runtime.applicationName), log: { warn: runtime.warn } } }),
    forceUtcTimezone: true,
    debug: false,
    allowGlobalContext: false,
  });
}

/**
 * knex's pool is tarn.js. `acquireTimeoutMillis`: how long a request waits for a
 * connection (knex's default is 60 s). `createTimeoutMillis`: tarn forgets a connection
 * attempt after it but cannot stop it, so it must exceed what pg's own timeouts let an
 * attempt take (connect, then knex's first `select version()`); shorter, forgotten
 * attempts could pile up beyond `max` while the database does not answer.
 * `propagateCreateError`: a failed attempt fails the waiting request at once (503).
 */
function poolBounds(runtime: OrmRuntime) {
  const { connectTimeoutMs, queryTimeoutMs } = runtime.timeouts;
  return {
    acquireTimeoutMillis: runtime.acquireTimeoutMs,
    createTimeoutMillis: connectTimeoutMs + queryTimeoutMs + QUERY_TIMEOUT_MARGIN_MS + 1000,
    idleTimeoutMillis: 30_000,
    propagateCreateError: true,
    // knex calls it with each new pg client; a client-side query timeout then ends it,
    // and `validate` (asked before each checkout, with knex's own check of 'error'/'end')
    // keeps it from being handed out again in the meantime.
    afterCreate: (client: Client, done: (error: Error | null, client: Client) => void) => done(null, endOnQueryTimeout(client)),
    validate: (client: Client) => !endedOnQueryTimeout(client),
  };
}
