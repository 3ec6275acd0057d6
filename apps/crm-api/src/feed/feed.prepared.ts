import { createHash } from 'node:crypto';
import type { QueryConfig } from 'pg';

/**
 * A named (prepared) statement, one per distinct text. A rolled-up page is several index
 * scans over every monthly partition: planning it costs more than running it (measured:
 * planning 97 ms against 45 ms of execution on the loaded bench machine). Prepared, the
 * server keeps a generic plan after five runs on each connection. The texts are few (their
 * shape varies only with the filters present and the number of branches, at most
 * BRANCHES_PER_KIND per kind), so the connections' statement caches stay small; a rep's
 * query under RECORD_VISIBILITY=own (their id inlined) is not prepared.
 */
export function prepared(text: string, values: unknown[]): QueryConfig {
  return { name: `feed_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, text, values };
}
