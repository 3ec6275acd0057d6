import { Entity, Opt, Property } from '@mikro-orm/core';
import type { TaskStatus, TaskType } from '@app/contracts';
import { CrmRecord } from '../common/record.entity';

@Entity({ schema: 'crm', tableName: 'tasks' })
export class Task extends CrmRecord {
  /** What to do, e.g. "Call". */
  @Property({ type: 'string', length: 255 })
  action!: string;

  /** To whom, e.g. "John Doe at ACME Corp". */
  @Property({ type: 'string', length: 255 })
  target!: string;

  @Property({ type: 'string', length: 20 })
  type: TaskType & Opt = 'other';

  @Property({ type: 'text', nullable: true })
  notes: string | null = null;

  @Property({ type: 'datetime', columnType: 'timestamptz(3)', nullable: true })
  dueDate: Date | null = null;

  @Property({ type: 'string', length: 20 })
  status: TaskStatus & Opt = 'pending';

  @Property({ type: 'uuid', nullable: true })
  assignedToId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  leadId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  contactId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  opportunityId: string | null = null;
}
