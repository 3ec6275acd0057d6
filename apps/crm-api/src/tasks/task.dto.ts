import { TaskStatus, TaskType } from '@app/contracts';
import { z } from 'zod';
import { Instant, OptionalText, Ref, RefFilter, RequiredText } from '../common/fields';
import { listQuery } from '../common/pagination';
import { recordView } from '../common/record.entity';
import { RecordViewShape } from '../common/views';
import type { Task } from './task.entity';

const Notes = OptionalText(10000);
const DueDate = Instant.transform((v) => new Date(v))
  .nullable()
  .optional();

export const CreateTaskDto = z.strictObject({
  action: RequiredText().describe('e.g. "Call"'),
  target: RequiredText().describe('e.g. "John Doe at ACME Corp"'),
  type: TaskType.default('other'),
  notes: Notes,
  due_date: DueDate,
  status: TaskStatus.default('pending'),
  assigned_to: Ref,
  lead: Ref,
  contact: Ref,
  opportunity: Ref,
});
export type CreateTaskDto = z.output<typeof CreateTaskDto>;

export const UpdateTaskDto = z.strictObject({
  action: RequiredText().optional(),
  target: RequiredText().optional(),
  type: TaskType.optional(),
  notes: Notes,
  due_date: DueDate,
  status: TaskStatus.optional(),
  assigned_to: Ref,
  lead: Ref,
  contact: Ref,
  opportunity: Ref,
});
export type UpdateTaskDto = z.output<typeof UpdateTaskDto>;

/** mark_completed's optional body: notes, when given, replace the task's. */
export const MarkCompletedDto = z.strictObject({ notes: Notes }).optional();
export type MarkCompletedDto = z.output<typeof MarkCompletedDto>;

export const TaskListQuery = listQuery({
  status: TaskStatus.optional(),
  assigned_to: RefFilter,
  lead: RefFilter,
  contact: RefFilter,
  opportunity: RefFilter,
});
export type TaskListQuery = z.output<typeof TaskListQuery>;

export const TaskView = z.object({
  ...RecordViewShape,
  action: z.string(),
  target: z.string(),
  type: TaskType,
  notes: z.string().nullable(),
  due_date: z.iso.datetime().nullable(),
  status: TaskStatus,
  assigned_to: z.uuid().nullable(),
  lead: z.uuid().nullable(),
  contact: z.uuid().nullable(),
  opportunity: z.uuid().nullable(),
});

export function toTaskView(t: Task): z.infer<typeof TaskView> {
  return {
    ...recordView(t),
    action: t.action,
    target: t.target,
    type: t.type,
    notes: t.notes,
    due_date: t.dueDate ? t.dueDate.toISOString() : null,
    status: t.status,
    assigned_to: t.assignedToId,
    lead: t.leadId,
    contact: t.contactId,
    opportunity: t.opportunityId,
  };
}
