import { Entity, Enum, Opt, Property } from '@mikro-orm/core';
import { TASK_STATUSES, TASK_TYPES, TaskStatus, TaskType } from '@app/contracts';
import { CrmRecord, ListIndexes, RecordRef } from '../common/record.entity';

@Entity({ schema: 'crm', tableName: 'tasks' })
@ListIndexes('tasks', ['status', 'assigned_to_id', 'lead_id', 'contact_id', 'opportunity_id'])
export class Task extends CrmRecord {
  /** What to do, e.g. "Call". */
  @Property({ type: 'string', length: 255 })
  action!: string;

  /** To whom, e.g. "John Doe at ACME Corp". */
  @Property({ type: 'string', length: 255 })
  target!: string;

  @Enum({ items: [...TASK_TYPES], columnType: 'varchar(20)', default: 'other' })
  type: TaskType & Opt = 'other';

  @Property({ type: 'text', nullable: true })
  notes: string | null = null;

  @Property({ type: 'datetime', columnType: 'timestamptz(3)', nullable: true })
  dueDate: Date | null = null;

  @Enum({ items: [...TASK_STATUSES], columnType: 'varchar(20)', default: 'pending' })
  status: TaskStatus & Opt = 'pending';

  @RecordRef('User', 'assigned_to_id')
  assignedToId: string | null = null;

  @RecordRef('Lead', 'lead_id')
  leadId: string | null = null;

  @RecordRef('Contact', 'contact_id')
  contactId: string | null = null;

  @RecordRef('Opportunity', 'opportunity_id')
  opportunityId: string | null = null;
}
