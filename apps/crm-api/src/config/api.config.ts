import { z } from 'zod';
import { amqpUrlsVar, intVar, loadEnv, LOG_FORMATS, urlVar } from '@app/platform';
import { passwordProblem } from '../auth/password-rules';

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
    /** Unset: /metrics answers the loopback interface only. Set: /metrics wants `Authorization: Bearer <METRICS_TOKEN>` from everyone. */
    METRICS_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'at least 16 characters').optional()),
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    /** `json` lines, or `pretty` coloured lines for a terminal (what `npm start` sets when its output is one). */
    LOG_FORMAT: z.enum(LOG_FORMATS).default('json'),
    DB_POOL_SIZE: intVar(10, 1, 100),
    RELAY_BATCH_SIZE: intVar(500, 1, 10000),
    RELAY_POLL_MS: intVar(1000, 10),
    /** The login limiter's window: 10 failed logins per (address, email) in it, then 429 until it ends. */
    LOGIN_WINDOW_SECONDS: intVar(60, 1, 86_400),
    /**
     * Behind a reverse proxy: which hops to believe about X-Forwarded-For/-Proto/-Host
     * (the client's address for the login limit). Links never use X-Forwarded-Host: see PUBLIC_URL.
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
    /** Where clients reach crm-api (e.g. https://crm.example.com): `next` links are built from it; relative when unset. */
    PUBLIC_URL: z.preprocess((v) => (v === '' ? undefined : v), urlVar('', ['http:', 'https:']).optional()),
    /** What a sales rep reads: `team` (every record) or `own` (their records and those linked to them); see auth/policy.ts. */
    RECORD_VISIBILITY: z.enum(['team', 'own']).default('team'),
    /** Active (unrevoked) API keys at most: creating one more answers 409. */
    API_KEYS_MAX: intVar(100, 1, 100_000),
    /** Open feed streams one user may hold on one replica; more answer 429 (each costs memory and a poll). */
    STREAMS_PER_USER: intVar(10, 1, 10_000),
    /** Feed exports one user may run at once on one replica; more answer 429 (each holds a database connection while it runs). */
    EXPORTS_PER_USER: intVar(2, 1, 100),
    /** Logs per query (and per write to the client) of an export: its memory is about this many rows. */
    EXPORT_PAGE_SIZE: intVar(1000, 1, 10_000),
    /** Opening a database connection gives up after this: while PostgreSQL is away, a request answers 503 instead of waiting. */
    DB_CONNECT_TIMEOUT_MS: intVar(3000, 100, 120_000),
    /** One statement: the server cancels it past this (the request answers 503); the client gives up 2 s later on a dead line. */
    DB_QUERY_TIMEOUT_MS: intVar(5000, 100, 3_600_000),
    /** A request waits at most this for a free connection of the pool before it answers 503. */
    DB_ACQUIRE_TIMEOUT_MS: intVar(5000, 100, 120_000),
    /** A client has this long to send a request's headers; slower connections are closed (slow-loris). */
    HTTP_HEADERS_TIMEOUT_MS: intVar(10_000, 1000, 600_000),
    /** ...and this long for the whole request, body included (a body trickled in is cut off: 408). */
    HTTP_REQUEST_TIMEOUT_MS: intVar(30_000, 1000, 3_600_000),
    /** A connection with no traffic either way for this long is closed; above the 15 s heartbeat of feed streams. */
    HTTP_IDLE_TIMEOUT_MS: intVar(60_000, 20_000, 3_600_000),
    /** An idle keep-alive connection between requests is closed after this. */
    HTTP_KEEP_ALIVE_TIMEOUT_MS: intVar(5_000, 100, 600_000),
    /** Open connections at most (those beyond are closed at once, before anything is read). */
    HTTP_MAX_CONNECTIONS: intVar(2048, 1, 1_000_000),
    /** Open connections per client address at most. Behind a proxy every connection comes from the proxy: raise it to HTTP_MAX_CONNECTIONS there. */
    HTTP_MAX_CONNECTIONS_PER_ADDRESS: intVar(128, 1, 1_000_000),
    /** Connections the kernel queues before crm-api accepts them (capped by net.core.somaxconn). */
    HTTP_LISTEN_BACKLOG: intVar(4096, 1, 1_000_000),
    /** Sign-ins (their password hashing and their few queries) in progress at once at most: a flood must not take the libuv threads or the pool. */
    SIGN_IN_CONCURRENCY: intVar(2, 1, 64),
    /** A sign-in waits at most this for a free slot, then answers 429 with Retry-After. */
    SIGN_IN_WAIT_MS: intVar(500, 0, 60_000),
  })
  .superRefine((env, ctx) => {
    // Node refuses to start an HTTP server otherwise; say which variable.
    if (env.HTTP_REQUEST_TIMEOUT_MS < env.HTTP_HEADERS_TIMEOUT_MS)
      ctx.addIssue({ code: 'custom', path: ['HTTP_REQUEST_TIMEOUT_MS'], message: 'must be at least HTTP_HEADERS_TIMEOUT_MS' });
    if (env.NODE_ENV !== 'production') return;
    // The development defaults are public: a production instance must not run on them.
    if (env.ADMIN_PASSWORD === DEV_ADMIN_PASSWORD) ctx.addIssue({ code: 'custom', path: ['ADMIN_PASSWORD'], message: 'the development default is refused in production' });
    const weak = passwordProblem(env.ADMIN_PASSWORD, { email: env.ADMIN_EMAIL, name: 'Admin' });
    if (weak) ctx.addIssue({ code: 'custom', path: ['ADMIN_PASSWORD'], message: weak });
    if (env.JWT_SECRET === DEV_JWT_SECRET || env.JWT_SECRET.length < 32)
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'set a secret of at least 32 characters in production' });
  });

export type ApiConfigValues = z.infer<typeof ApiEnv>;

/** The one typed configuration of crm-api: loaded once, in main.ts, and passed in (AppModule.forRoot); inject it, never read process.env elsewhere. */
export class ApiConfig {
  static load(env: NodeJS.ProcessEnv = process.env): ApiConfig {
    return Object.assign(new ApiConfig(), loadEnv(ApiEnv, env));
  }
}
// Declaration merging: the instance carries every validated variable, typed.
export interface ApiConfig extends ApiConfigValues {}
