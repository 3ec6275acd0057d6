import { z } from 'zod';
import { LOG_KINDS, logKind } from '@app/contracts';
import type { LogRow } from './feed.repository';
import type { Via } from './feed.rollup';

const RECORD_TYPES = ['lead', 'contact', 'opportunity', 'quote', 'task'] as const;

/** A log as clients see it: the original app's fields, then the structured facts behind the summary. */
export const InteractionLogView = z.object({
  id: z.uuid(),
  timestamp: z.string().describe('when it happened (ISO 8601)'),
  recorded_at: z.string().describe('when it was recorded: well after `timestamp` for a backdated manual log'),
  user: z.uuid(),
  type: z.string().describe('call, email, meeting or note'),
  summary: z.string(),
  lead: z.uuid().nullable(),
  contact: z.uuid().nullable(),
  opportunity: z.uuid().nullable(),
  source: z.string().describe('auto or manual'),
  correlation_id: z.uuid().describe('shared by every log of one user action (a lead conversion makes four)'),
  event_type: z.string(),
  data: z.record(z.string(), z.unknown()).describe('what the summary was rendered from (for a change: field, old_value, new_value)'),
  edited_at: z.string().nullable().describe('when a manual log was last corrected (PATCH); null if never'),
  edited_by: z.object({ id: z.uuid(), name: z.string() }).nullable().describe('who last corrected it; null if never'),
  kind: z.enum(LOG_KINDS).describe('interaction (what people did: calls, emails, meetings, notes, task completions) or change (what happened to the records)'),
  via: z
    .object({ type: z.enum(RECORD_TYPES), id: z.uuid(), name: z.string() })
    .nullable()
    .describe("rollup=true: the related record this entry came through; null for the record's own and without rollup"),
});
export type InteractionLogView = z.infer<typeof InteractionLogView>;

/** One user action's logs together (`group=correlation`). */
export const CorrelatedLogsView = z.object({ correlation_id: z.uuid(), timestamp: z.string(), logs: z.array(InteractionLogView) });

/** GET /api/interaction-logs/status/: loose, so fields added later stay compatible. */
export const PipelineStatusView = z.looseObject({
  current: z.boolean(),
  reasons: z.array(z.string()),
  outbox: z.object({ pending: z.number(), oldest_age_seconds: z.number().nullable() }),
  queue: z.object({ name: z.string(), waiting: z.number(), consumers: z.number() }).nullable(),
  broker_connected: z.boolean(),
});

export function toView(row: LogRow, via: Via | null = null): InteractionLogView {
  return {
    id: row.id,
    timestamp: row.timestamp.toISOString(),
    recorded_at: (row.recorded_at ?? row.timestamp).toISOString(),
    user: row.user_id,
    type: row.type,
    summary: row.summary,
    lead: row.lead_id,
    contact: row.contact_id,
    opportunity: row.opportunity_id,
    source: row.source,
    correlation_id: row.correlation_id,
    event_type: row.event_type,
    data: row.data,
    edited_at: row.edited_at ? row.edited_at.toISOString() : null,
    edited_by: row.edited_by_id ? { id: row.edited_by_id, name: row.edited_by_name ?? '' } : null,
    kind: logKind(row.event_type),
    via,
  };
}
