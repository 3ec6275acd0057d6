import { randomUUID } from 'node:crypto';
import type { LogRow } from '../../apps/crm-api/src/feed/feed.repository';

let clock = Date.parse('2026-11-30T12:00:00Z');

/**
 * A row of activity.interaction_log as FeedRepository gives it, for the specs that mock
 * the repository (the feed's, the log changes'): a manual call, never edited or deleted,
 * each one a second older than the one before (a page comes newest first). `over` sets
 * what the test is about.
 */
export function logRow(over: Partial<LogRow> = {}): LogRow {
  clock -= 1000;
  return {
    id: randomUUID(),
    timestamp: new Date(clock),
    recorded_at: null,
    user_id: randomUUID(),
    type: 'call',
    summary: 'Called',
    lead_id: null,
    contact_id: null,
    opportunity_id: null,
    source: 'manual',
    correlation_id: randomUUID(),
    event_type: 'interaction.logged',
    data: {},
    xid: String(clock),
    edited_at: null,
    edited_by_id: null,
    edited_by_name: null,
    edit_id: null,
    deleted_at: null,
    ...over,
  };
}
