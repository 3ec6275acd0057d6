import { Module } from '@nestjs/common';
import { OpportunitiesController } from './opportunities.controller';
import { UsersRepository } from '../users/users.repository';
import { OpportunitiesRepository } from './opportunities.repository';
import { OpportunitiesService } from './opportunities.service';

@Module({
  controllers: [OpportunitiesController],
  providers: [OpportunitiesService, OpportunitiesRepository, UsersRepository],
  exports: [OpportunitiesService],
})
export class OpportunitiesModule {}
