import { Module } from '@nestjs/common';
import { TasksController } from './tasks.controller';
import { UsersRepository } from '../users/users.repository';
import { TasksRepository } from './tasks.repository';
import { TasksService } from './tasks.service';

@Module({
  controllers: [TasksController],
  providers: [TasksService, TasksRepository, UsersRepository],
})
export class TasksModule {}
