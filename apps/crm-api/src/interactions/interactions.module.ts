import { Module } from '@nestjs/common';
import { ContactsRepository } from '../contacts/contacts.repository';
import { FeedModule } from '../feed/feed.module';
import { LeadsRepository } from '../leads/leads.repository';
import { OpportunitiesRepository } from '../opportunities/opportunities.repository';
import { InteractionsController } from './interactions.controller';
import { InteractionsService } from './interactions.service';
import { LogChangesController } from './log-changes.controller';
import { LogChangesService } from './log-changes.service';

@Module({
  imports: [FeedModule],
  controllers: [InteractionsController, LogChangesController],
  providers: [InteractionsService, LogChangesService, LeadsRepository, ContactsRepository, OpportunitiesRepository],
})
export class InteractionsModule {}
