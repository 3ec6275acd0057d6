import { z } from 'zod';
import { LOG_KINDS, LOG_SOURCES, LogType } from '@app/contracts';
import { fromYearOne } from '../common/fields';
import { listQuery } from '../common/pagination';
import { decodeStreamPosition } from './feed.cursor';

const instant = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date or date-time with time zone' })
  .or(z.iso.date())
  .refine(fromYearOne, 'must not be before 0001-01-01')
  .transform((v) => new Date(v).toISOString());

const flag = z.enum(['true', 'false', '1', '0'], { message: 'must be true or false' }).transform((v) => v === 'true' || v === '1');

/** The feed's filters, shared by the list and the live stream. */
const FILTERS = {
  lead: z.uuid({ message: 'must be a UUID' }).optional(),
  contact: z.uuid({ message: 'must be a UUID' }).optional(),
  opportunity: z.uuid({ message: 'must be a UUID' }).optional(),
  include_contact: flag.optional(),
  user: z.uuid({ message: 'must be a UUID' }).optional(),
  type: LogType.optional(),
  source: z.enum(LOG_SOURCES).optional(),
  correlation_id: z.uuid({ message: 'must be a UUID' }).optional(),
  since: instant.optional(),
  until: instant.optional(),
  /** The record's timeline with its related records' logs (feed.rollup.ts); needs exactly one record filter. */
  rollup: flag.optional(),
  /** One lane: what people did (`interaction`) or what happened to the records (`change`); see libs/contracts log-kind.ts. */
  kind: z.enum(LOG_KINDS).optional(),
};

const needsOpportunity = <T extends { include_contact?: boolean; opportunity?: string }>(q: T) => !q.include_contact || !!q.opportunity;
const needsOpportunityIssue = { path: ['include_contact'], message: 'goes with ?opportunity=' };
const needsOneRecord = <T extends { rollup?: boolean; lead?: string; contact?: string; opportunity?: string }>(q: T) =>
  !q.rollup || [q.lead, q.contact, q.opportunity].filter(Boolean).length === 1;
const needsOneRecordIssue = { path: ['rollup'], message: 'goes with exactly one of ?lead=, ?contact= or ?opportunity=' };

export const FeedListQuery = listQuery({
  ...FILTERS,
  /** `correlation`: the logs of one user action come as one entry (see FeedService.listGrouped). */
  group: z.enum(['correlation']).optional(),
})
  .refine(needsOpportunity, needsOpportunityIssue)
  .refine(needsOneRecord, needsOneRecordIssue);

export const FeedStreamQuery = z
  .strictObject({
    ...FILTERS,
    /** For clients that cannot send the Last-Event-ID header. */
    last_event_id: z
      .string()
      .transform((v, ctx) => decodeStreamPosition(v) ?? (ctx.addIssue({ code: 'custom', message: 'not an event id from this stream' }), z.NEVER))
      .optional(),
  })
  .refine(needsOpportunity, needsOpportunityIssue)
  .refine(needsOneRecord, needsOneRecordIssue);

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;

/** GET /api/interaction-logs/export/: every filter of the feed, the whole result in keyset order. */
export const FeedExportQuery = z
  .strictObject({ ...FILTERS, format: z.enum(EXPORT_FORMATS, { message: 'must be csv or ndjson' }) })
  .refine(needsOpportunity, needsOpportunityIssue)
  .refine(needsOneRecord, needsOneRecordIssue);

export type FeedFilters = { [K in keyof typeof FILTERS]?: z.output<(typeof FILTERS)[K]> };
export type FeedListQuery = z.output<typeof FeedListQuery>;
export type FeedStreamQuery = z.output<typeof FeedStreamQuery>;
export type FeedExportQuery = z.output<typeof FeedExportQuery>;
