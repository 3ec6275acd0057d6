import { Logger, Provider } from '@nestjs/common';
import { createPgPool } from '@app/platform';
import { ApiConfig } from '../config/api.config';
import { dbTimeouts } from '../database/db-timeouts';

export const AUTH_POOL = Symbol('AUTH_POOL');

/**
 * Every request's caller lookup runs here, on the primary (a revoked session must fail
 * at once on every replica), as a named statement: parsed and planned once per
 * connection, and without the ORM's query builder. A/B in docs/benchmarks.md ("The
 * caller lookup"). Four connections serve far more lookups than the two cores can ask
 * for; the pool ends with SessionsRepository, its user.
 */
export const AUTH_POOL_SIZE = 4;

export const authPoolProvider: Provider = {
  provide: AUTH_POOL,
  inject: [ApiConfig],
  useFactory: (cfg: ApiConfig) => {
    const log = new Logger('database');
    return createPgPool(cfg.DATABASE_URL, {
      max: Math.min(AUTH_POOL_SIZE, cfg.DB_POOL_SIZE),
      applicationName: 'crm-api auth',
      timeouts: dbTimeouts(cfg),
      onLost: (e) => log.warn({ msg: 'database connection lost', pool: 'auth', error: e.message }),
    });
  },
};
