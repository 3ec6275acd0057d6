import { LogType } from '@app/contracts';
import { z } from 'zod';
import { Instant, RequiredText } from '../common/fields';

/** Clocks differ: a timestamp this far ahead of ours still counts as "now". */
export const CLOCK_SKEW_MS = 60_000;

/**
 * A manual log is always by the caller: there is no user field, and as the object is
 * strict, a client that sends one gets a 400 rather than a log under someone else's name.
 */
export const LogInteractionDto = z.strictObject({
  type: LogType,
  summary: RequiredText(10000),
  timestamp: Instant.refine((v) => Date.parse(v) <= Date.now() + CLOCK_SKEW_MS, 'must not be in the future')
    // An AMQP timestamp is unsigned seconds since 1970: an earlier time could never be published.
    .refine((v) => Date.parse(v) >= 0, 'must not be before 1970-01-01T00:00:00Z')
    .optional()
    .describe('when it happened (default: now); backdating is allowed'),
});
export type LogInteractionDto = z.output<typeof LogInteractionDto>;

export const InteractionLogView = z.object({
  id: z.uuid(),
  timestamp: z.iso.datetime(),
  recorded_at: z.iso.datetime().describe('when the log was recorded; well after `timestamp` for a backdated log'),
  user: z.uuid(),
  type: LogType,
  summary: z.string(),
  lead: z.uuid().nullable(),
  contact: z.uuid().nullable(),
  opportunity: z.uuid().nullable(),
  source: z.enum(['auto', 'manual']),
});

/** The 202 answer: the log as it will be written, before the logger has it. */
export const PendingLogView = InteractionLogView.extend({
  id: z.uuid().describe('the id the log will have'),
  status: z.literal('pending'),
  source: z.literal('manual'),
});
export type PendingLogView = z.infer<typeof PendingLogView>;
