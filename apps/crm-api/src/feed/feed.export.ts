import type { InteractionLogView } from './feed.view';

/** A log and its user's name: what one export row is made of. */
export type ExportRow = InteractionLogView & { user_name: string | null };

/** The CSV's columns, in order (README "Export" lists them). */
export const CSV_COLUMNS: [header: string, value: (r: ExportRow) => string | null][] = [
  ['timestamp', (r) => r.timestamp],
  ['recorded_at', (r) => r.recorded_at],
  ['kind', (r) => r.kind],
  ['type', (r) => r.type],
  ['event_type', (r) => r.event_type],
  ['source', (r) => r.source],
  ['summary', (r) => r.summary],
  ['user_id', (r) => r.user],
  ['user_name', (r) => r.user_name],
  ['lead_id', (r) => r.lead],
  ['contact_id', (r) => r.contact],
  ['opportunity_id', (r) => r.opportunity],
  ['via_type', (r) => r.via?.type ?? null],
  ['via_id', (r) => r.via?.id ?? null],
  ['via_name', (r) => r.via?.name ?? null],
  ['correlation_id', (r) => r.correlation_id],
  ['id', (r) => r.id],
  // Last, so the columns that were there first keep their places: a corrected manual log.
  ['edited_at', (r) => r.edited_at],
  ['edited_by_id', (r) => r.edited_by?.id ?? null],
  ['edited_by_name', (r) => r.edited_by?.name ?? null],
];

/**
 * One CSV cell (RFC 4180). A cell a spreadsheet would read as a formula (starting with
 * = + - @, or a tab or carriage return that hides one) gets a leading single quote: the
 * summary and names are typed by users, and "=HYPERLINK(...)" must stay text.
 */
export function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The byte-order mark first: without it Excel reads UTF-8 as the local code page (and the 🎉 breaks). */
export const CSV_HEAD = `\uFEFF${CSV_COLUMNS.map(([h]) => h).join(',')}\r\n`;

/** One record: concatenated cell by cell (no array of cells per row: a million-row export makes a million of them). */
export function csvLine(r: ExportRow): string {
  let line = csvCell(CSV_COLUMNS[0][1](r));
  for (let i = 1; i < CSV_COLUMNS.length; i++) line += `,${csvCell(CSV_COLUMNS[i][1](r))}`;
  return `${line}\r\n`;
}

export const ndjsonLine = (r: ExportRow): string => `${JSON.stringify(r)}\n`;

export const EXPORT_CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson; charset=utf-8' } as const;
