import createClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from './schema';

/**
 * The typed TypeScript client of crm-api: openapi-fetch over the types generated from
 * docs/openapi.json (`npm run openapi`), so a path, a parameter or a body that the API
 * does not have fails to compile. Each call answers `{ data, error, response }`.
 */
export type CrmClient = Client<paths>;
export type { components, operations, paths };

export interface CrmClientOptions {
  /** A bearer token (from signIn) or an API key. */
  token?: string;
  /** Extra headers on every request, e.g. X-Correlation-Id. */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

export function crmClient(baseUrl: string, options: CrmClientOptions = {}): CrmClient {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return createClient<paths>({ baseUrl, headers, ...(options.fetch ? { fetch: options.fetch } : {}) });
}

/** Signs in with email and password; a client carrying the token. Throws with the API's message when refused. */
export async function signIn(baseUrl: string, credentials: { email: string; password: string }, options: Omit<CrmClientOptions, 'token'> = {}): Promise<CrmClient> {
  const { data, error, response } = await crmClient(baseUrl, options).POST('/api/auth/token', { body: credentials });
  if (!data) throw new Error(`sign-in refused (${response.status}): ${JSON.stringify(error)}`);
  return crmClient(baseUrl, { ...options, token: data.token });
}

/** An entry of the feed: a log, or with `group=correlation` one user action's logs together. */
export type FeedEntry = operations['FeedController_list']['responses'][200]['content']['application/json']['results'][number];
export type InteractionLog = Exclude<FeedEntry, { logs: unknown }>;

/** Narrows a feed entry to a single log (entries are logs unless `group=correlation`). */
export const isLog = (entry: FeedEntry): entry is InteractionLog => !('logs' in entry);
