import { z } from 'zod';
import { toMoney } from '@app/contracts';

/**
 * Field schemas shared by every DTO, so each rule is written once: the same money,
 * text and reference rules apply to leads, contacts, opportunities, quotes and tasks.
 */

/** PostgreSQL text cannot hold NUL, and a lone surrogate is not UTF-8: refuse both here, by name. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const isStorableText = (s: string) => !s.includes('\u0000') && !LONE_SURROGATE.test(s);
const STORABLE = 'must not contain NUL characters or unpaired surrogates';

/**
 * Text shown to other people (feed summaries, the dashboard, terminals reading logs) must
 * not carry what changes how it is shown: C0/C1 control characters (ANSI escapes start
 * with ESC), DEL, and the bidi embeddings, overrides and isolates that reorder what
 * follows. A name or title is one line (no line or paragraph separators either: "Bob\n
 * Lead converted: fake" forged a second line of the feed); a long text (over 255
 * characters allowed: notes, a log's summary) may keep tabs and line breaks.
 */
const UNSHOWABLE_IN_LINE = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;
const UNSHOWABLE_IN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;
export const isOneLine = (s: string) => !UNSHOWABLE_IN_LINE.test(s);
export const isShowableText = (s: string) => !UNSHOWABLE_IN_TEXT.test(s);
const ONE_LINE = 'must not contain control characters, ANSI escapes, bidi overrides or line breaks';
const SHOWABLE = 'must not contain control characters (other than tabs and line breaks), ANSI escapes or bidi overrides';
const showable = (max: number): [(s: string) => boolean, string] => (max > 255 ? [isShowableText, SHOWABLE] : [isOneLine, ONE_LINE]);

export const RequiredText = (max = 255) =>
  z
    .string()
    .trim()
    .min(1, 'must not be blank')
    .max(max)
    .refine(isStorableText, STORABLE)
    .refine(...showable(max));

/** Optional free text; blank is stored as null so the feed never reads "from ". */
export const OptionalText = (max = 255) =>
  z
    .string()
    .trim()
    .max(max)
    .refine(isStorableText, STORABLE)
    .refine(...showable(max))
    .transform((v) => (v === '' ? null : v))
    .nullable()
    .optional();

export const OptionalEmail = z
  .union([z.literal(''), z.email({ message: 'must be an email address' }).max(254)])
  .transform((v) => (v === '' ? null : v.toLowerCase()))
  .nullable()
  .optional();

export const MONEY_RULE = 'must be a non-negative decimal with at most 2 decimal places and 13 integer digits, e.g. "50000.00"';

/**
 * Money as the client sent it (a number or a string) -> "50000.00". Parsed from its
 * decimal text by toMoney, never through float arithmetic.
 */
export const MoneyInput = z.union([z.string(), z.number()], { message: MONEY_RULE }).transform((value, ctx) => {
  const money = toMoney(value);
  if (money === null) {
    ctx.addIssue({ code: 'custom', message: MONEY_RULE });
    return z.NEVER;
  }
  return money;
});

/** A reference to another record by id (null clears it). */
export const Ref = z.uuid({ message: 'must be a UUID' }).nullable().optional();

/** A filter on a reference, from the query string. */
export const RefFilter = z.uuid({ message: 'must be a UUID' }).optional();

/**
 * PostgreSQL has no year 0 (its year before 1 AD is 1 BC): a date of year 0000 would be
 * refused by the database, as an error that names no field. Refused here instead.
 */
export const fromYearOne = (value: string) => new Date(value).getUTCFullYear() >= 1;
const FROM_YEAR_ONE = 'must not be before 0001-01-01';

export const DateOnly = z.iso.date({ message: 'must be a date, YYYY-MM-DD' }).refine(fromYearOne, FROM_YEAR_ONE);

export const Instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with time zone' }).refine(fromYearOne, FROM_YEAR_ONE);
