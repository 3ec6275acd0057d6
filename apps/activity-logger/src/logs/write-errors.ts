/**
 * Sorts a failed write into the two cases the consumer treats differently:
 *
 * - `transient`: the database (or the way to it) is the problem, not the messages:
 *   unreachable, restarting, out of connections, read-only after a failover, not migrated
 *   yet, a lock or serialization conflict. The batch is held and retried with backoff;
 *   splitting it would only push good messages towards the dead-letter queue.
 * - `message`: anything else (bad data such as a NUL byte that text and jsonb refuse, a
 *   check constraint, a renderer bug). The batch is retried one by one to isolate it.
 */
export type WriteFailure = 'transient' | 'message';

const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
]);

/** SQLSTATE classes and codes that say nothing about the rows being written. */
const TRANSIENT_SQLSTATE_CLASSES = ['08', '53', '57', '58', 'XX'];
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '25006', // read_only_sql_transaction (a failover left us on a replica)
  '3D000', // invalid_catalog_name (database not created yet)
  '3F000', // invalid_schema_name (not migrated yet)
  '42P01', // undefined_table (not migrated yet)
  '42501', // insufficient_privilege (grants being fixed)
  '28000', // invalid_authorization_specification
  '28P01', // invalid_password
]);

/** node-postgres's own messages for a connection that is gone or never came. */
const CONNECTION_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
  /query read timeout/i,
  /not queryable/i,
  /client was closed/i,
  /cannot use a pool after calling end/i,
  /socket/i,
];

export function classifyWriteError(error: unknown): WriteFailure {
  const e = error as { code?: unknown; message?: unknown } | null | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (SOCKET_CODES.has(code)) return 'transient';
  if (/^[0-9A-Z]{5}$/.test(code)) {
    if (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return 'transient';
    return 'message';
  }
  const message = typeof e?.message === 'string' ? e.message : '';
  if (CONNECTION_MESSAGES.some((re) => re.test(message))) return 'transient';
  return 'message';
}

/** A short reason for logs and the dead-letter header: the SQLSTATE when there is one. */
export function describeWriteError(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown } | null | undefined;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return typeof e?.code === 'string' && e.code ? `${message} (${e.code})` : message;
}
