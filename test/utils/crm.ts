import { randomBytes } from 'node:crypto';
import { ApiClient, expectStatus } from './api-client';
import { eventually, EventuallyOptions } from './eventually';

/** A name no other test (or run) uses: every file owns its data. */
export function uniq(prefix: string): string {
  return `${prefix} ${randomBytes(4).toString('hex')}`;
}

export interface User {
  id: string;
  email: string;
  name: string;
  client: ApiClient;
}

/** A new user created by the admin through `POST /api/users/`, logged in. */
export async function createUser(admin: ApiClient, role: 'sales_rep' | 'manager' | 'admin' = 'sales_rep', name = uniq('Rep')): Promise<User> {
  const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}@crm.test`;
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const user = expectStatus(await admin.post('/api/users/', { email, password, name, role }), 201, 'POST /api/users/');
  return { id: user.id, email, name, client: await admin.as({ email, password }) };
}

/** Creates a record (`POST /api/<resource>/`), expecting 201; returns the body. */
export async function create(client: ApiClient, resource: string, body: Record<string, unknown>): Promise<any> {
  return expectStatus(await client.post(`/api/${resource}/`, body), 201, `POST /api/${resource}/`);
}

export async function update(client: ApiClient, resource: string, id: string, body: Record<string, unknown>): Promise<any> {
  return expectStatus(await client.patch(`/api/${resource}/${id}/`, body), 200, `PATCH /api/${resource}/${id}/`);
}

/**
 * A log as api.md pins it on the wire. Written out here on purpose rather than imported
 * from crm-api: the tests are a client of the contract, not of the server's types.
 */
export interface InteractionLog {
  id: string;
  timestamp: string;
  user: string;
  type: string;
  summary: string;
  lead: string | null;
  contact: string | null;
  opportunity: string | null;
  source: string;
}

/** One page of `GET /api/interaction-logs/?<query>` (limit 100 unless the query says). */
export async function feed(client: ApiClient, query: Record<string, string> = {}): Promise<{ results: InteractionLog[]; next: string | null }> {
  const params = new URLSearchParams({ limit: '100', ...query });
  return expectStatus(await client.get(`/api/interaction-logs/?${params}`), 200, `GET /api/interaction-logs/?${params}`);
}

/**
 * Polls the feed until the query returns at least `count` logs and returns them
 * (newest first). The caller then asserts the exact set, so extra logs fail the test.
 */
export function logsEventually(client: ApiClient, query: Record<string, string>, count: number, options?: EventuallyOptions): Promise<InteractionLog[]> {
  return eventually(async () => {
    const { results } = await feed(client, query);
    if (results.length < count) throw new Error(`${JSON.stringify(query)}: ${results.length} of ${count} logs so far: ${JSON.stringify(results.map((l) => l.summary))}`);
    return results;
  }, options);
}

/** The one log of the query whose summary is `summary`, once it exists. */
export function logWithSummary(client: ApiClient, query: Record<string, string>, summary: string, options?: EventuallyOptions): Promise<InteractionLog> {
  return eventually(async () => {
    const { results } = await feed(client, query);
    const found = results.filter((l) => l.summary === summary);
    if (found.length !== 1)
      throw new Error(`${JSON.stringify(query)}: ${found.length} logs with summary ${JSON.stringify(summary)} among ${JSON.stringify(results.map((l) => l.summary))}`);
    return found[0];
  }, options);
}

/** Newest first by timestamp, as the feed promises. */
export function expectNewestFirst(logs: InteractionLog[]): void {
  for (let i = 1; i < logs.length; i += 1) {
    if (Date.parse(logs[i - 1].timestamp) < Date.parse(logs[i].timestamp)) throw new Error(`not newest first at ${i}: ${logs[i - 1].timestamp} before ${logs[i].timestamp}`);
  }
}
