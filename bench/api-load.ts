// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon');
import { log } from './lib/log';

export interface LoadResult {
  reqPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** 2xx answers (what the per-request figures divide by). */
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** One request of a load: its path and body, and what its answer is matched with (e.g. the record it changed). */
export interface NextRequest {
  path: string;
  body?: unknown;
  memo?: unknown;
}

export interface LoadOptions {
  url: string;
  token: string;
  method: 'GET' | 'POST' | 'PATCH';
  /** A fixed path, a path per request, or (`request`) path and body per request. */
  path?: string | (() => string);
  body?: unknown;
  request?: () => NextRequest;
  /** Each answer, with the memo of its request. */
  onResponse?: (status: number, body: string, memo: unknown) => void;
  connections: number;
  seconds: number;
  label: string;
}

/**
 * Closed-loop load with autocannon (in this process, on the same 2 cores as the
 * services: the client's own cost is part of what the figure shows). `path` as a
 * function picks a path per request (e.g. many leads' pages); `request` a path and a
 * body (e.g. a PATCH of many records in turn).
 */
export async function apiLoad(opts: LoadOptions): Promise<LoadResult> {
  const next: () => NextRequest = opts.request ?? (typeof opts.path === 'function' ? () => ({ path: (opts.path as () => string)() }) : () => ({ path: opts.path as string }));
  const json = opts.body !== undefined || opts.request !== undefined;
  let ok = 0;
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.seconds,
    method: opts.method,
    headers: {
      authorization: `Bearer ${opts.token}`,
      ...(json ? { 'content-type': 'application/json' } : {}),
    },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    requests: [
      {
        // One request per connection at a time (no pipelining): the context holds its memo until its answer.
        setupRequest: (req: { path: string }, context: { memo?: unknown }) => {
          const r = next();
          context.memo = r.memo;
          return { ...req, path: r.path, ...(r.body !== undefined ? { body: JSON.stringify(r.body) } : {}) };
        },
        onResponse: (status: number, body: string, context: { memo?: unknown }) => {
          if (status >= 200 && status < 300) ok += 1;
          opts.onResponse?.(status, body, context.memo);
        },
      },
    ],
    timeout: 10,
  });
  const out: LoadResult = {
    reqPerS: ok / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
  log(`${opts.label}: ${out.reqPerS.toFixed(0)} req/s, p50 ${out.p50Ms} ms, p99 ${out.p99Ms} ms (${out.total} 2xx, ${out.non2xx} non-2xx, ${out.errors} errors)`);
  if (out.non2xx + out.errors > out.total * 0.001) throw new Error(`${opts.label}: ${out.non2xx} non-2xx answers and ${out.errors} errors of ${out.total}`);
  return out;
}
