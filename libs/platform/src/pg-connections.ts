import { Client, ClientConfig, Pool } from 'pg';

/**
 * How long a database round may take, for every connection an app opens. Without them a
 * connection attempt into a dead link, or a query whose answer never comes, waits for
 * the kernel (minutes), holding its request and its connection all that time.
 */
export interface DbTimeouts {
  /** Opening a connection (TCP, startup, authentication). */
  connectTimeoutMs: number;
  /**
   * One statement: the server cancels it past this (statement_timeout, SQLSTATE 57014)
   * and the connection stays usable; the client gives up QUERY_TIMEOUT_MARGIN_MS later,
   * when even the server's cancellation did not come back (the line is dead).
   */
  queryTimeoutMs: number;
}

/** The server's own cancellation normally wins; the client's timeout is for a dead line. */
export const QUERY_TIMEOUT_MARGIN_MS = 2000;
/** TCP keepalive probes on idle connections, so a silently dead one is found and closed. */
const KEEPALIVE_DELAY_MS = 10_000;

/** The pg client options that bound every round trip (see DbTimeouts). */
export function pgClientOptions(timeouts: DbTimeouts, applicationName: string): ClientConfig {
  return {
    application_name: applicationName,
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    statement_timeout: timeouts.queryTimeoutMs,
    query_timeout: timeouts.queryTimeoutMs + QUERY_TIMEOUT_MARGIN_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
  };
}

export interface PgPoolOptions {
  max: number;
  applicationName: string;
  timeouts: DbTimeouts;
  /** A connection was lost (idle or in use); the pool has already discarded it. */
  onLost?: (error: Error) => void;
  /** Server settings for every connection of the pool (sent at startup, `-c name=value`). */
  settings?: Record<string, string>;
}

/** Server settings as a connection's startup `options` (`-c name=value …`); undefined for none. */
export function pgSettings(settings: Record<string, string>): string | undefined {
  const words = Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`);
  return words.length ? words.join(' ') : undefined;
}

/**
 * A pg Pool on which a lost connection can never be an unhandled 'error' event: pg's
 * Pool listens on a client only while it is idle and stops while it is checked out
 * (between pool.connect() and release()), where a drop would otherwise crash the
 * process. So every connection gets a listener of its own for its whole life; the
 * query in flight fails with the error, and the holder's release() discards the client.
 * At most `max` connections, each attempt bounded by the connect timeout.
 */
export function createPgPool(connectionString: string, options: PgPoolOptions): Pool {
  const settings = pgSettings(options.settings ?? {});
  const pool = new Pool({
    connectionString,
    max: options.max,
    idleTimeoutMillis: 30_000,
    ...pgClientOptions(options.timeouts, options.applicationName),
    ...(settings ? { options: settings } : {}),
  });
  pool.on('error', () => undefined); // an idle client lost: the pool removed it (and its own listener reported it)
  pool.on('connect', (client) => {
    let reported = false; // a loss may be reported twice ('error' from the socket, then from its end)
    client.on('error', (error) => {
      if (!reported) options.onLost?.(error);
      reported = true;
    });
  });
  return pool;
}

/**
 * A pg error saying the connection (not the statement) failed: the line dropped, the
 * server went away, or a timeout gave up on it. Such a client is useless: discard it.
 */
export function isConnectionLost(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', '57P01', '57P02', '57P03'].includes(code) ||
    code.startsWith('08') ||
    LOST_MESSAGE.test(message)
  );
}

/**
 * The pg driver's own words for a connection that died, never came up or timed out;
 * these errors carry no code. Matched anywhere: knex prefixes a query's text to them.
 */
export const LOST_MESSAGE =
  /(^|\s-\s)(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect|timeout expired|Query read timeout)/;

/**
 * Ends a client without waiting on a dead line: end() sends Terminate and waits for the
 * server to close, which never happens when packets vanish; past `graceMs` the socket
 * is destroyed instead.
 */
export async function closeClient(client: Client, graceMs = 1000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([
    client.end().then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
  ]);
  clearTimeout(timer);
  if (!ended) (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/** Clients ended on a query timeout: dead from that moment, before their 'end' event arrives. */
const timedOut = new WeakSet<Client>();

/**
 * After pg's client-side query timeout the query is abandoned but the connection still
 * waits for its answer, and every later query queues behind it. For a client a pool
 * does not discard by itself (knex's), end it then: the socket is destroyed and the
 * pool, asking endedOnQueryTimeout() before it hands the client out, replaces it.
 */
export function endOnQueryTimeout(client: Client): Client {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const end = (err: unknown) => {
    if ((err as Error | null)?.message !== 'Query read timeout') return;
    timedOut.add(client);
    client.end().catch(() => undefined);
  };
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (err: unknown, res: unknown) => {
        end(err);
        (callback as (e: unknown, r: unknown) => void)(err, res);
      };
      return query(...args);
    }
    const result = query(...args);
    if (result instanceof Promise) result.catch(end);
    return result;
  };
  return client;
}

export const endedOnQueryTimeout = (client: Client): boolean => timedOut.has(client);
