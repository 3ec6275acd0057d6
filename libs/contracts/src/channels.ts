/**
 * PostgreSQL NOTIFY channels the processes agree on. A NOTIFY carries no data anyone
 * relies on except SESSIONS (JSON, see crm-api's SessionsService): each one only wakes
 * its listeners, who then read the table. Migrations spell them literally (they are
 * history and must not change with this file).
 */
export const CHANNELS = {
  /** A transaction added outbox events: wakes crm-api's relays. */
  outbox: 'crm_outbox',
  /** Sessions or users ended: every crm-api replica ends the streams concerned. */
  sessions: 'crm_sessions',
  /** A logger committed logs: wakes the feed's live streams and Prefer: wait. */
  feed: 'interaction_log',
} as const;
