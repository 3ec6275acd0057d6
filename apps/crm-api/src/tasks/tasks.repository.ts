import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { RecordRepository } from '../common/record.repository';
import { Task } from './task.entity';

/** crm.tasks through the unit of work (common/record.repository.ts). */
@Injectable()
export class TasksRepository extends RecordRepository<Task> {
  constructor(em: EntityManager) {
    super(em, Task, 'task');
  }
}
