/** RFC 7240 allows waits of any length; we hold a request at most this long. */
export const MAX_WAIT_SECONDS = 10;

/**
 * The `wait` preference of a `Prefer` header (RFC 7240), in seconds, capped at
 * MAX_WAIT_SECONDS; null when absent or unreadable (a preference may be ignored).
 * Accepts several preferences per header and several headers: "respond-async, wait=5".
 */
export function preferredWait(header: string | string[] | undefined): number | null {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  for (const value of values) {
    for (const preference of value.split(',')) {
      const [token] = preference.split(';');
      const m = /^\s*wait\s*=\s*"?(\d{1,6})"?\s*$/i.exec(token);
      if (m) return Math.min(Number(m[1]), MAX_WAIT_SECONDS);
    }
  }
  return null;
}
