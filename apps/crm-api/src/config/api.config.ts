import { z } from 'zod';
import { amqpUrlsVar, intVar, loadEnv, urlVar } from '@app/platform';

const DEV_ADMIN_EMAIL = 'admin@example.com';
const DEV_ADMIN_PASSWORD = 'admin';
const DEV_JWT_SECRET = 'dev-only-secret-change-me';

export const ApiEnv = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: intVar(3000, 0, 65535),
    HOST: z.string().default('0.0.0.0'),
    DATABASE_URL: urlVar('postgres://postgres@127.0.0.1:5432/crm', ['postgres:', 'postgresql:']),
    /** Where feed reads go (e.g. a read replica); the primary when unset. */
    FEED_DATABASE_URL: z.preprocess((v) => (v === '' ? undefined : v), urlVar('', ['postgres:', 'postgresql:']).optional()),
    /** A feed replica further behind the primary than this makes the status say the feed is not current. */
    FEED_MAX_LAG_SECONDS: intVar(5, 0, 86_400),
    /** One broker, or a cluster's nodes comma-separated (libs/platform amqp-urls.ts). */
    AMQP_URL: amqpUrlsVar('amqp://guest:guest@127.0.0.1:5672'),
    ADMIN_EMAIL: z.email().default(DEV_ADMIN_EMAIL),
    ADMIN_PASSWORD: z.string().min(1).default(DEV_ADMIN_PASSWORD),
    JWT_SECRET: z.string().min(1).default(DEV_JWT_SECRET),
    JWT_TTL_SECONDS: intVar(8 * 3600, 60),
    BODY_LIMIT_BYTES: intVar(1024 * 1024, 1024),
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    DB_POOL_SIZE: intVar(10, 1, 100),
    RELAY_BATCH_SIZE: intVar(500, 1, 10000),
    RELAY_POLL_MS: intVar(1000, 10),
    /**
     * Behind a reverse proxy: which hops to believe about X-Forwarded-For/-Proto/-Host
     * (the client's address for the login limit, the scheme and host of `next` links).
     * Off by default, as a client could otherwise forge them. `true` (every hop), a
     * number of hops, or the proxies' addresses and CIDRs, comma-separated.
     */
    TRUST_PROXY: z
      .string()
      .default('')
      .transform((v) => v.trim())
      .refine((v) => v === '' || v === 'true' || v === 'false' || /^\d+$/.test(v) || /^[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*$/.test(v), {
        message: 'true, false, a number of hops, or comma-separated addresses/CIDRs',
      })
      .transform((v): boolean | number | string => (v === '' || v === 'false' ? false : v === 'true' ? true : /^\d+$/.test(v) ? Number(v) : v)),
    /** Opening a database connection gives up after this: while PostgreSQL is away, a request answers 503 instead of waiting. */
    DB_CONNECT_TIMEOUT_MS: intVar(3000, 100, 120_000),
    /** One statement: the server cancels it past this (the request answers 503); the client gives up 2 s later on a dead line. */
    DB_QUERY_TIMEOUT_MS: intVar(5000, 100, 3_600_000),
    /** A request waits at most this for a free connection of the pool before it answers 503. */
    DB_ACQUIRE_TIMEOUT_MS: intVar(5000, 100, 120_000),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV !== 'production') return;
    // The development defaults are public: a production instance must not run on them.
    if (env.ADMIN_PASSWORD === DEV_ADMIN_PASSWORD)
      ctx.addIssue({ code: 'custom', path: ['ADMIN_PASSWORD'], message: 'the development default is refused in production' });
    if (env.JWT_SECRET === DEV_JWT_SECRET || env.JWT_SECRET.length < 32)
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'set a secret of at least 32 characters in production' });
  });

export type ApiConfigValues = z.infer<typeof ApiEnv>;

/** The one typed configuration of crm-api; inject it, never read process.env elsewhere. */
export class ApiConfig {
  static load(env: NodeJS.ProcessEnv = process.env): ApiConfig {
    return Object.assign(new ApiConfig(), loadEnv(ApiEnv, env));
  }
}
// Declaration merging: the instance carries every validated variable, typed.
export interface ApiConfig extends ApiConfigValues {}
