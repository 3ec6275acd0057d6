import { Module } from '@nestjs/common';
import { ContactsModule } from '../contacts/contacts.module';
import { OpportunitiesModule } from '../opportunities/opportunities.module';
import { LeadsController } from './leads.controller';
import { UsersModule } from '../users/users.module';
import { LeadsRepository } from './leads.repository';
import { LeadsService } from './leads.service';

@Module({
  imports: [ContactsModule, OpportunitiesModule, UsersModule],
  controllers: [LeadsController],
  providers: [LeadsService, LeadsRepository],
  exports: [LeadsRepository],
})
export class LeadsModule {}
