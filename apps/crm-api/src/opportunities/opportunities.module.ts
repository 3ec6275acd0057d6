import { Module } from '@nestjs/common';
import { OpportunitiesController } from './opportunities.controller';
import { UsersModule } from '../users/users.module';
import { OpportunitiesRepository } from './opportunities.repository';
import { OpportunitiesService } from './opportunities.service';

@Module({
  controllers: [OpportunitiesController],
  imports: [UsersModule],
  providers: [OpportunitiesService, OpportunitiesRepository],
  exports: [OpportunitiesService, OpportunitiesRepository],
})
export class OpportunitiesModule {}
