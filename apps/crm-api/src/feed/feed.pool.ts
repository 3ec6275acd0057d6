import { Logger, Provider } from '@nestjs/common';
import { createPgPool } from '@app/platform';
import { ApiConfig } from '../config/api.config';
import { dbTimeouts } from '../database/db-timeouts';
import { FEED_POOL_SETTINGS } from './feed.prepared';

export const FEED_POOL = Symbol('FEED_POOL');

/**
 * Feed reads have a pool of their own: it can point at a read replica
 * (FEED_DATABASE_URL), and a burst of readers never starves the CRM's writes.
 * FeedRepository, its one user, ends it at shutdown.
 */
export const feedPoolProvider: Provider = {
  provide: FEED_POOL,
  inject: [ApiConfig],
  useFactory: (cfg: ApiConfig) => {
    const log = new Logger('database');
    return createPgPool(cfg.FEED_DATABASE_URL ?? cfg.DATABASE_URL, {
      max: cfg.DB_POOL_SIZE,
      applicationName: 'crm-api feed',
      timeouts: dbTimeouts(cfg),
      onLost: (e) => log.warn({ msg: 'database connection lost', pool: 'feed', error: e.message }),
      // Pages planned once per connection (feed.prepared.ts).
      settings: FEED_POOL_SETTINGS,
    });
  },
};
