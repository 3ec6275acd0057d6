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

export const RequiredText = (max = 255) => z.string().trim().min(1, 'must not be blank').max(max).refine(isStorableText, STORABLE);

/** Optional free text; blank is stored as null so the feed never reads "from ". */
export const OptionalText = (max = 255) =>
  z
    .string()
    .trim()
    .max(max)
    .refine(isStorableText, STORABLE)
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

export const Instant = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time with time zone' })
  .refine(fromYearOne, FROM_YEAR_ONE);
