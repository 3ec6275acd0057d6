// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon');
import { log } from './lib/log';

export interface LoadResult {
  reqPerS: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/**
 * Closed-loop load with autocannon (in this process, on the same 2 cores as the
 * services: the client's own cost is part of what the figure shows). `paths` are
 * cycled at random per request when more than one is given (e.g. many leads' pages).
 */
export async function apiLoad(opts: {
  url: string;
  token: string;
  method: 'GET' | 'POST';
  path: string | (() => string);
  body?: unknown;
  connections: number;
  seconds: number;
  label: string;
}): Promise<LoadResult> {
  const pathOf = typeof opts.path === 'function' ? opts.path : () => opts.path as string;
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.seconds,
    method: opts.method,
    headers: {
      authorization: `Bearer ${opts.token}`,
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    requests: [{ setupRequest: (req: { path: string }) => ({ ...req, path: pathOf() }) }],
    timeout: 10,
  });
  const out: LoadResult = {
    reqPerS: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
  log(`${opts.label}: ${out.reqPerS.toFixed(0)} req/s, p50 ${out.p50Ms} ms, p99 ${out.p99Ms} ms (${out.total} requests, ${out.non2xx} non-2xx, ${out.errors} errors)`);
  if (out.non2xx + out.errors > out.total * 0.001) throw new Error(`${opts.label}: ${out.non2xx} non-2xx answers and ${out.errors} errors of ${out.total}`);
  return out;
}
