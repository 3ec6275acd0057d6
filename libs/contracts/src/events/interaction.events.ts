import { z } from 'zod';
import { Actor, LogType, NullableUuid, Timestamp, Uuid } from '../primitives';

/** A rep's manual log. The event id becomes the log's id, so the API can answer it at once. */
export const InteractionLoggedV1 = z.object({
  type: LogType,
  summary: z.string().min(1).max(10000),
  lead_id: NullableUuid,
  contact_id: NullableUuid,
  opportunity_id: NullableUuid,
  actor: Actor,
});

/**
 * v2 adds `recorded_at`: when crm-api accepted the log. The envelope's `time` is when it
 * happened, which the rep may set in the past; the two apart show a backdated log.
 * crm-api always sends it; optional so that a producer that has nothing better (a replay
 * tool, a test) may leave it out, and then `time` stands for it.
 */
export const InteractionLoggedV2 = InteractionLoggedV1.extend({
  recorded_at: Timestamp.optional(),
});

/**
 * A manual log corrected by its author (or a manager or admin). Not a new log: the
 * logger applies it to the row `log_id` (summary, type, who and when). It carries the
 * whole new content, not a diff: edits are applied last-writer-wins by (`time`, event
 * id), which needs each edit to stand alone. `log_timestamp` is the log's own time, its
 * partition key, so the logger's update touches one partition.
 */
export const InteractionEditedV1 = z.object({
  log_id: Uuid,
  log_timestamp: Timestamp,
  type: LogType,
  summary: z.string().min(1).max(10000),
  actor: Actor,
});

/** A manual log withdrawn by its author (or a manager or admin): the logger keeps a tombstone the feed hides. */
export const InteractionDeletedV1 = z.object({
  log_id: Uuid,
  log_timestamp: Timestamp,
  actor: Actor,
});
