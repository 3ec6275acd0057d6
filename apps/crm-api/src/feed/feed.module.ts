import { Logger, Module } from '@nestjs/common';
import { createPgPool } from '@app/platform';
import { AuthModule } from '../auth/auth.module';
import { ApiConfig } from '../config/api.config';
import { dbTimeouts } from '../database/db-timeouts';
import { FeedController } from './feed.controller';
import { FEED_POOL_SETTINGS } from './feed.prepared';
import { FEED_POOL, FeedService } from './feed.service';
import { PipelineStatusService } from './pipeline-status.service';

@Module({
  imports: [AuthModule],
  controllers: [FeedController],
  providers: [
    {
      // Feed reads have a pool of their own: they can be pointed at a read replica
      // later, and a burst of readers never starves the CRM's writes.
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
    },
    FeedService,
    PipelineStatusService,
  ],
  exports: [FeedService],
})
export class FeedModule {}
