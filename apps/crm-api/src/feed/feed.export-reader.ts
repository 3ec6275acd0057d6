import { Inject, Injectable, Logger, OnApplicationShutdown, Provider } from '@nestjs/common';
import type { Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { createPgPool, QUERY_TIMEOUT_MARGIN_MS } from '@app/platform';
import { ApiConfig } from '../config/api.config';
import { dbTimeouts } from '../database/db-timeouts';
import { FEED_POOL_SETTINGS } from './feed.prepared';
import type { Queryable } from './feed.repository';

const FEED_EXPORT_POOL = Symbol('FEED_EXPORT_POOL');

/**
 * The exports' own pool, like the feed's (same database, settings and name) but without
 * pg's client-side read timeout: with it, every page's rows stayed reachable long enough
 * to be promoted to V8's old space (measured: ~45 % of what a page allocates), ~1.5 GB of
 * garbage per million rows and crm-api's RSS at 300+ MB (docs/benchmarks.md, "The export's
 * memory"). The dead line is guarded per page here instead (ExportReader.read).
 */
export const feedExportPoolProvider: Provider = {
  provide: FEED_EXPORT_POOL,
  inject: [ApiConfig],
  useFactory: (cfg: ApiConfig) => {
    const log = new Logger('database');
    return createPgPool(cfg.FEED_DATABASE_URL ?? cfg.DATABASE_URL, {
      max: cfg.DB_POOL_SIZE,
      applicationName: 'crm-api feed',
      timeouts: dbTimeouts(cfg),
      onLost: (e) => log.warn({ msg: 'database connection lost', pool: 'feed export', error: e.message }),
      settings: FEED_POOL_SETTINGS,
      clientReadTimeout: false,
    });
  },
};

/** pg's socket, to cut a connection whose answer never comes. */
type WithSocket = { connection?: { stream?: { destroy(error?: Error): void } } };

/** One export's connection of the export pool, held from its first page to its last. */
@Injectable()
export class ExportReader implements OnApplicationShutdown {
  private readonly readTimeoutMs: number;

  constructor(
    @Inject(FEED_EXPORT_POOL) private readonly pool: Pool,
    config: ApiConfig,
  ) {
    this.readTimeoutMs = config.DB_QUERY_TIMEOUT_MS + QUERY_TIMEOUT_MARGIN_MS;
  }

  /** After the HTTP server closed: no export is reading any more. */
  async onApplicationShutdown() {
    await this.pool.end().catch(() => undefined);
  }

  connect(): Promise<PoolClient> {
    return this.pool.connect();
  }

  /**
   * One page read on `client`; past DB_QUERY_TIMEOUT_MS plus the margin without an answer
   * (a dead line: the server's statement_timeout would have answered) its socket is
   * destroyed and the read fails, as pg's own read timeout does on the other pools.
   */
  async read<T>(client: PoolClient, page: (db: Queryable) => Promise<T>): Promise<T> {
    const timer = setTimeout(() => (client as unknown as WithSocket).connection?.stream?.destroy(new Error('Query read timeout')), this.readTimeoutMs);
    try {
      return await page(callbackQueries(client));
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * `client` with its queries sent in pg's callback form. Its promise form (like its
 * query_timeout) keeps each result reachable past the next collections: measured, ~45 %
 * of a page's rows promoted to the old space against under 1 % this way.
 */
function callbackQueries(client: PoolClient): Queryable {
  return {
    query: <R extends QueryResultRow>(config: QueryConfig) =>
      new Promise<QueryResult<R>>((resolve, reject) => client.query<R>(config, (error, result) => (error ? reject(error) : resolve(result)))),
  };
}
