import { Module } from '@nestjs/common';
import { Pool } from 'pg';
import { ApiConfig } from '../config/api.config';
import { FeedController } from './feed.controller';
import { FEED_POOL, FeedService } from './feed.service';
import { PipelineStatusService } from './pipeline-status.service';

@Module({
  controllers: [FeedController],
  providers: [
    {
      // Feed reads have a pool of their own: they can be pointed at a read replica
      // later, and a burst of readers never starves the CRM's writes.
      provide: FEED_POOL,
      inject: [ApiConfig],
      useFactory: (cfg: ApiConfig) => {
        const pool = new Pool({ connectionString: cfg.FEED_DATABASE_URL ?? cfg.DATABASE_URL, max: cfg.DB_POOL_SIZE, application_name: 'crm-api feed' });
        pool.on('error', () => undefined); // an idle client lost: the next query reconnects
        return pool;
      },
    },
    FeedService,
    PipelineStatusService,
  ],
  exports: [FeedService],
})
export class FeedModule {}
