import { Module } from '@nestjs/common';
import { TasksController } from './tasks.controller';
import { UsersModule } from '../users/users.module';
import { TasksRepository } from './tasks.repository';
import { TasksService } from './tasks.service';

@Module({
  controllers: [TasksController],
  imports: [UsersModule],
  providers: [TasksService, TasksRepository],
})
export class TasksModule {}
