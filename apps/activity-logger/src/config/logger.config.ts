import { z } from 'zod';
import { amqpUrlsVar, intVar, loadEnv, LOG_FORMATS, urlVar } from '@app/platform';

export const LoggerEnv = z.object({
  DATABASE_URL: urlVar('postgres://postgres@127.0.0.1:5432/crm', ['postgres:', 'postgresql:']),
  /** The vhost is the URL's path (none = "/"). */
  /** One broker, or a cluster's nodes comma-separated (libs/platform amqp-urls.ts). */
  AMQP_URL: amqpUrlsVar('amqp://guest:guest@127.0.0.1:5672'),
  /** 0 = an ephemeral port, printed as {"msg":"listening","port":N}. */
  LOGGER_HTTP_PORT: intVar(3001, 0, 65535),
  LOGGER_BATCH_SIZE: intVar(500, 1, 10_000),
  /** 0 would mean "unlimited" to the broker: refused. */
  LOGGER_PREFETCH: intVar(1000, 1, 65_535),
  LOGGER_FLUSH_MS: intVar(5, 0, 60_000),
  /**
   * Batches written at once. 2: while one batch waits for its commit the next is being
   * encoded, so the logger's CPU and the database's overlap (measured in docs/benchmarks.md).
   */
  LOGGER_WRITERS: intVar(2, 1, 16),
  /**
   * Deliveries of a message that fails on its own before it is dead-lettered. Kept under
   * the queue's x-delivery-limit (topology.ts), which is only the broker's safety net.
   */
  LOGGER_MAX_ATTEMPTS: intVar(5, 1, 20),
  /** Unset: /metrics answers the loopback interface only. Set: /metrics wants `Authorization: Bearer <METRICS_TOKEN>` from everyone. */
  METRICS_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'at least 16 characters').optional()),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  /** `json` lines, or `pretty` coloured lines for a terminal (what `npm start` sets when its output is one). */
  LOG_FORMAT: z.enum(LOG_FORMATS).default('json'),
  DB_POOL_SIZE: intVar(4, 1, 100),
  /**
   * Logs whose timestamp is older than this many days are deleted or archived by a
   * periodic job (ops/retention). Unset or empty = kept forever.
   */
  LOG_RETENTION_DAYS: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(36_500).optional()),
  /** `delete`, or `archive`: moved to activity.interaction_log_archive in the same transaction. */
  LOG_RETENTION_MODE: z.enum(['delete', 'archive']).default('delete'),
  /** Between two retention rounds (one logger at a time runs a round). */
  LOG_RETENTION_INTERVAL_SECONDS: intVar(3600, 1, 7 * 86_400),
  /** Rows per retention transaction: short transactions, never a long lock. */
  LOG_RETENTION_BATCH_SIZE: intVar(5000, 1, 100_000),
});

export type LoggerConfigValues = z.infer<typeof LoggerEnv>;

/** The one typed configuration of the activity-logger; inject it, never read process.env elsewhere. */
export class LoggerConfig {
  static load(env: NodeJS.ProcessEnv = process.env): LoggerConfig {
    return Object.assign(new LoggerConfig(), loadEnv(LoggerEnv, env));
  }
}
// Declaration merging: the instance carries every validated variable, typed.
export interface LoggerConfig extends LoggerConfigValues {}
