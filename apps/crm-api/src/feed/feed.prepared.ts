import { createHash } from 'node:crypto';
import type { QueryConfig } from 'pg';

/**
 * The feed pool's server settings. The log has a partition per month: PLANNING a page
 * over all of them costs 5–10 ms (80+ on a new connection), running it well under 1 ms.
 * The feed's reads are prepared (below) and planned once per connection, generically:
 * run-time pruning still skips the months a since/until excludes. Interleaved A/B:
 * docs/benchmarks.md, "Generic plans for the feed".
 */
export const FEED_POOL_SETTINGS = { plan_cache_mode: 'force_generic_plan' };

/**
 * A named (prepared) statement, one per distinct text. A page of the log is index scans
 * over every monthly partition: planning it costs far more than running it (measured:
 * 5–10 ms of planning on a warm connection, 80+ on a new one, against well under 1 ms of
 * execution). Prepared on a connection of the feed pool (plan_cache_mode
 * force_generic_plan, feed.module.ts), it is planned once per connection. The texts are
 * few (their shape varies only with the filters present and the number of rollup
 * branches, at most BRANCHES_PER_KIND per kind), so the connections' statement caches
 * stay small.
 */
function prepared(text: string, values: unknown[]): QueryConfig {
  return { name: `feed_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, text, values };
}

/**
 * Prepared unless the text inlines a caller's id (`inlinesCaller`: a rep's visibility
 * condition under RECORD_VISIBILITY=own): each rep's text would be a plan of its own kept
 * on every connection, without bound.
 */
export function feedQuery(text: string, values: unknown[], inlinesCaller: boolean): QueryConfig {
  return inlinesCaller ? { text, values } : prepared(text, values);
}
