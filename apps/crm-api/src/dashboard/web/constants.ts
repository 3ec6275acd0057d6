// The page's fixed vocabulary. No imports and no DOM: the unit spec imports this file to
// hold TYPES to the API's LOG_TYPES and to the HTML's <option>s.

export const TOKEN_KEY = 'crm-dashboard-token';
/** How often the page asks whether the feed is current. */
export const STATUS_POLL_MS = 2500;
export const PAGE_SIZE = 20;

/** The log types (LOG_TYPES in @app/contracts), as the page shows them. */
export const TYPES: Record<string, { icon: string; label: string }> = {
  call: { icon: '📞', label: 'Call' },
  email: { icon: '✉️', label: 'Email' },
  meeting: { icon: '🤝', label: 'Meeting' },
  note: { icon: '📝', label: 'Note' },
};

export type RecordKind = 'lead' | 'contact' | 'opportunity';
export const RECORDS = { lead: 'leads', contact: 'contacts', opportunity: 'opportunities', user: 'users' } as const;
export type NamedKind = keyof typeof RECORDS;
export const RECORD_LABELS: Record<RecordKind, string> = { lead: 'Lead', contact: 'Contact', opportunity: 'Opportunity' };
export const RECORD_KINDS: readonly RecordKind[] = ['lead', 'contact', 'opportunity'];
/** In the query string; kind (the lane) and rollup are the timeline's switches. */
export const FILTERS = ['lead', 'contact', 'opportunity', 'user', 'type', 'kind', 'rollup'] as const;
export const LANES: readonly string[] = ['interaction', 'change'];
export const ROLLUP_LABELS: Record<RecordKind, string> = {
  lead: 'With the contact and opportunity it became',
  contact: 'With its opportunities, quotes and tasks',
  opportunity: 'With its contact, quotes and tasks',
};

/** The record card's status fact: [label, field]. Contacts have none. */
export const STATUS_FIELDS: Partial<Record<RecordKind, [string, string]>> = { lead: ['Status', 'status'], opportunity: ['Stage', 'stage'] };
/** Who a record is with: a lead's assignee, an opportunity's owner, a contact's creator (contacts have no owner). */
export const OWNER_FIELDS: Record<RecordKind, [string, string]> = {
  lead: ['Assigned to', 'assigned_to'],
  opportunity: ['Owner', 'owner'],
  contact: ['Created by', 'created_by'],
};
