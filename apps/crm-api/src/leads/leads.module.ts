import { Module } from '@nestjs/common';
import { ContactsModule } from '../contacts/contacts.module';
import { OpportunitiesModule } from '../opportunities/opportunities.module';
import { LeadsController } from './leads.controller';
import { UsersRepository } from '../users/users.repository';
import { LeadsRepository } from './leads.repository';
import { LeadsService } from './leads.service';

@Module({
  imports: [ContactsModule, OpportunitiesModule],
  controllers: [LeadsController],
  providers: [LeadsService, LeadsRepository, UsersRepository],
})
export class LeadsModule {}
