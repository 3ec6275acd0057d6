// What the page reads from the API: only the fields it uses (docs/api.md has the rest).
import type { RecordKind } from './constants.js';

export type Id = string;

/** An interaction log, as the list, the stream and a 202 from log_interaction give it. */
export interface Log {
  id: Id;
  type: string;
  kind?: string;
  summary: string;
  timestamp: string;
  recorded_at?: string | null;
  edited_at?: string | null;
  edited_by?: { id?: Id; name?: string } | null;
  /** 'pending': accepted (202), not written yet. */
  status?: string;
  source?: string;
  lead?: Id | null;
  contact?: Id | null;
  opportunity?: Id | null;
  user: Id;
  data?: { actor?: { id?: Id; name?: string } | null } | null;
  /** On a rolled-up timeline: the related record the log came through. */
  via?: { type: string; id: Id; name?: string | null } | null;
}

export interface Page<T> {
  results: T[];
  next: string | null;
}

/** A lead, contact or opportunity as the timeline's card reads it. */
export type RecordBody = { name: string; company?: string | null; contact?: Id | null } & Record<string, string | null | undefined>;

export interface FeedStatus {
  current: boolean;
  reasons: string[];
}

/** The view's filters, as in the query string (names in FILTERS). */
export type Filters = Record<string, string>;

/** The one record a view is the timeline of. */
export interface RecordRef {
  kind: RecordKind;
  id: Id;
}
