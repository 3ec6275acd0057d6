import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { QUERY_TIMEOUT_MARGIN_MS } from '@app/platform';
import { ApiConfig } from '../config/api.config';
import { FEED_POOL } from './feed.pool';
import type { Queryable } from './feed.repository';

/** One export's connection of the feed's pool, held from its first page to its last. */
export interface ExportConnection {
  /** One page read on it, within the dead-line bound. */
  read<T>(page: (db: Queryable) => Promise<T>): Promise<T>;
  /** Back to the pool; after a failed read (`failed`) discarded instead. */
  release(failed?: Error): void;
}

/** pg's per-query read timeout, which its client reads at each query (not in its types). */
type ReadTimeout = { connectionParameters: { query_timeout?: number } };
/** pg's socket, to cut a connection whose answer never comes (as closeClient does). */
type WithSocket = { connection?: { stream?: { destroy(error?: Error): void } } };

/**
 * How an export reads its pages so that they die young. Measured (docs/benchmarks.md, "The
 * export's memory"): pg's promise form of `query`, and its client-side read timeout
 * (`query_timeout`), each keep a page's result reachable long enough to be promoted to V8's
 * old space: ~45 % of what a page allocates, ~150 MB of garbage between two mark-compacts and
 * crm-api at 300 MB. So an export's connection runs without pg's read timer while the export
 * holds it (restored when it goes back to the pool) and its queries go through pg's callback
 * form. The dead line stays bounded: a page not answered within DB_QUERY_TIMEOUT_MS plus the
 * margin has its socket destroyed, and the read fails as pg's own timeout would make it.
 */
@Injectable()
export class ExportReader {
  private readonly readTimeoutMs: number;

  constructor(
    @Inject(FEED_POOL) private readonly pool: Pool,
    config: ApiConfig,
  ) {
    this.readTimeoutMs = config.DB_QUERY_TIMEOUT_MS + QUERY_TIMEOUT_MARGIN_MS;
  }

  async connect(): Promise<ExportConnection> {
    const client = await this.pool.connect();
    const params = (client as unknown as ReadTimeout).connectionParameters;
    const readTimeout = params.query_timeout;
    params.query_timeout = 0; // falsy: pg arms no timer (the guard below bounds the read)
    const db = callbackQueries(client);
    return {
      read: async (page) => {
        const timer = setTimeout(() => (client as unknown as WithSocket).connection?.stream?.destroy(new Error('Query read timeout')), this.readTimeoutMs);
        try {
          return await page(db);
        } finally {
          clearTimeout(timer);
        }
      },
      release: (failed) => {
        params.query_timeout = readTimeout;
        client.release(failed);
      },
    };
  }
}

/** `client` with its queries sent in pg's callback form (not the promise form: see above). */
function callbackQueries(client: PoolClient): Queryable {
  return {
    query: <R extends QueryResultRow>(config: QueryConfig) =>
      new Promise<QueryResult<R>>((resolve, reject) => client.query<R>(config, (error, result) => (error ? reject(error) : resolve(result)))),
  };
}
