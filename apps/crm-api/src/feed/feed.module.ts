import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { FeedController } from './feed.controller';
import { ExportSlots } from './feed.export-slots';
import { feedPoolProvider } from './feed.pool';
import { ExportReader } from './feed.export-reader';
import { FeedRepository } from './feed.repository';
import { FeedService } from './feed.service';
import { FeedWrites } from './feed.writes';
import { PipelineStatusService } from './pipeline-status.service';

@Module({
  imports: [AuthModule],
  controllers: [FeedController],
  providers: [feedPoolProvider, ExportReader, FeedRepository, FeedWrites, ExportSlots, FeedService, PipelineStatusService],
  exports: [FeedService],
})
export class FeedModule {}
