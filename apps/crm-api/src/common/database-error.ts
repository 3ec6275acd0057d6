import { isConnectionLost } from '@app/platform';
import { DomainError } from './domain-error';

/** The parts of a PostgreSQL error (pg's DatabaseError, or MikroORM's copy of it) we read. */
interface PgErrorLike {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
  column?: unknown;
  table?: unknown;
}

/** A column of ours to the API field it carries: `lead_id` -> `lead`, `assigned_to_id` -> `assigned_to`. */
export function columnToField(column: string): string {
  return column.replace(/_id$/, '');
}

function keyColumn(detail: string): string | null {
  const m = /^Key \(([^)]+)\)=/.exec(detail);
  return m ? m[1] : null;
}

/**
 * Not a connection lost, but no answer either: too many connections (53300), a statement
 * cancelled by statement_timeout (57014), no pooled connection free in time (knex's
 * acquire timeout, whose name MikroORM's wrapper replaces: hence the message).
 */
const BUSY = new Set(['53300', '57014']);
const NO_CONNECTION_IN_TIME = /Knex: Timeout acquiring a connection/;

/**
 * Turns a database refusal into what the client did wrong, so no input can cause a 5xx:
 * a unique key -> 409, a missing referenced row -> 400 naming the field, bad data -> 400.
 * An outage becomes 503. Returns null for anything else (a bug: the filter answers 500).
 */
export function fromDatabaseError(error: unknown): DomainError | { unavailable: string } | null {
  if (!error || typeof error !== 'object') return null;
  const e = error as PgErrorLike;
  const code = typeof e.code === 'string' ? e.code : '';
  const detail = typeof e.detail === 'string' ? e.detail : '';
  const column = keyColumn(detail) ?? (typeof e.column === 'string' ? e.column : null);

  const message = typeof e.message === 'string' ? e.message : '';
  if (isConnectionLost(error) || BUSY.has(code) || NO_CONNECTION_IN_TIME.test(message)) {
    return { unavailable: 'the database is unavailable, try again' };
  }
  switch (code) {
    case '23505':
      return DomainError.conflict(column ? `${columnToField(column)}: already exists` : 'already exists');
    case '23503':
      // On insert/update: the referenced row is missing. On delete: another row still points here.
      if (/is still referenced from table/.test(detail)) {
        const table = /from table "([^"]+)"/.exec(detail)?.[1] ?? 'another record';
        return DomainError.conflict(`still referenced by ${table}`);
      }
      return DomainError.invalid([`${column ? columnToField(column) : 'reference'}: no such record`]);
    case '23502':
      return DomainError.invalid([`${column ? columnToField(column) : 'field'}: required`]);
    case '23514':
    case '23P01':
      return DomainError.invalid(['a value breaks a rule of the record']);
    case '40001':
    case '40P01':
    case '55P03':
      return DomainError.conflict('a concurrent change got in the way, try again');
  }
  // Class 22: data exceptions (too long, out of range, malformed value).
  if (code.startsWith('22')) return DomainError.invalid(['a value is out of range or malformed']);
  return null;
}
