import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Who may read /metrics (both apps). Without METRICS_TOKEN: only the loopback interface,
 * judged by the TCP peer (never X-Forwarded-For), so a scraper on the same host or a
 * sidecar works and nobody else does. With it: whoever sends
 * `Authorization: Bearer <METRICS_TOKEN>`, loopback included (a reverse proxy on the
 * same host would otherwise expose the metrics to everyone it serves).
 */
export type MetricsAccess = 'allowed' | 'token required' | 'loopback only';

const isLoopback = (address: string | undefined) => !!address && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));

const digest = (s: string) => createHash('sha256').update(s).digest();

export function metricsAccess(remoteAddress: string | undefined, authorization: string | undefined, token: string | undefined): MetricsAccess {
  if (!token) return isLoopback(remoteAddress) ? 'allowed' : 'loopback only';
  const given = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? '';
  // Compared as digests: constant time whatever the lengths.
  return timingSafeEqual(digest(given), digest(token)) ? 'allowed' : 'token required';
}

export const METRICS_LOOPBACK_ONLY = '/metrics answers the loopback interface only; set METRICS_TOKEN to let a scraper elsewhere in';
export const METRICS_TOKEN_REQUIRED = 'send Authorization: Bearer <METRICS_TOKEN>';
