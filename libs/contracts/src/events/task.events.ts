import { z } from 'zod';
import { Actor, NullableUuid, TaskType, Uuid } from '../primitives';

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
