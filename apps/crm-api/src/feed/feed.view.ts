import { LogRow } from './feed.repository';

/** A log as clients see it: the original app's fields, then the structured facts behind the summary. */
export interface InteractionLogView {
  id: string;
  timestamp: string;
  /** When it was recorded: well after `timestamp` for a backdated manual log. */
  recorded_at: string;
  user: string;
  type: string;
  summary: string;
  lead: string | null;
  contact: string | null;
  opportunity: string | null;
  source: string;
  /** Shared by every log of one user action (a lead conversion makes four). */
  correlation_id: string;
  event_type: string;
  /** What the summary was rendered from (for a change: field, old_value, new_value). */
  data: Record<string, unknown>;
}

export function toView(row: LogRow): InteractionLogView {
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
  };
}
