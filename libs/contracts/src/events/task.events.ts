import { z } from 'zod';
import { Actor, Assignee, NullableUuid, TaskType, Uuid } from '../primitives';

export const TaskCompletedV1 = z.object({
  task_id: Uuid,
  action: z.string().min(1).max(255),
  target: z.string().min(1).max(255),
  notes: z.string().max(10000).nullable(),
  task_type: TaskType,
  lead_id: NullableUuid,
  contact_id: NullableUuid,
  opportunity_id: NullableUuid,
  actor: Actor,
});

/** Not in the original signals: who the task is assigned to changed (PATCH assigned_to). */
export const TaskReassignedV1 = z.object({
  task_id: Uuid,
  action: z.string().min(1).max(255),
  target: z.string().min(1).max(255),
  field: z.literal('assigned_to'),
  old_value: Assignee,
  new_value: Assignee,
  lead_id: NullableUuid,
  contact_id: NullableUuid,
  opportunity_id: NullableUuid,
  actor: Actor,
});

/** Not in the original signals: the task's row is gone. */
export const TaskDeletedV1 = z.object({
  task_id: Uuid,
  action: z.string().min(1).max(255),
  target: z.string().min(1).max(255),
  lead_id: NullableUuid,
  contact_id: NullableUuid,
  opportunity_id: NullableUuid,
  actor: Actor,
});
