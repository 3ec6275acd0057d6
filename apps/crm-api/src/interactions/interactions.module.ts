import { Module } from '@nestjs/common';
import { FeedModule } from '../feed/feed.module';
import { InteractionsController } from './interactions.controller';
import { InteractionsService } from './interactions.service';
import { LogChangesController } from './log-changes.controller';
import { LogChangesService } from './log-changes.service';

@Module({
  imports: [FeedModule],
  controllers: [InteractionsController, LogChangesController],
  providers: [InteractionsService, LogChangesService],
})
export class InteractionsModule {}
