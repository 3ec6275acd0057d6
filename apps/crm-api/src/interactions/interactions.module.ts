import { Module } from '@nestjs/common';
import { ContactsModule } from '../contacts/contacts.module';
import { FeedModule } from '../feed/feed.module';
import { LeadsModule } from '../leads/leads.module';
import { OpportunitiesModule } from '../opportunities/opportunities.module';
import { InteractionsController } from './interactions.controller';
import { InteractionsService } from './interactions.service';
import { LogChangesController } from './log-changes.controller';
import { LogChangesService } from './log-changes.service';

@Module({
  imports: [FeedModule, LeadsModule, ContactsModule, OpportunitiesModule],
  controllers: [InteractionsController, LogChangesController],
  providers: [InteractionsService, LogChangesService],
})
export class InteractionsModule {}
