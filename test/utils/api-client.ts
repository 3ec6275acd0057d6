import { sendRaw } from '../kit/http';
import type { ApiResponse } from '../kit/http';
import { testEnv } from './env';

// The raw request is the kit's (test/kit/http.ts), shared with the bench.
export { sendRaw };
export type { ApiResponse };

export interface Credentials {
  email: string;
  password: string;
}

function send(baseUrl: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
  const json: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  return sendRaw(new URL(path, baseUrl), method, body === undefined ? undefined : JSON.stringify(body), { accept: 'application/json', ...json, ...headers });
}

/** A logged-in client of crm-api: JSON in, JSON out, the bearer token on every request. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    return send(this.baseUrl, method, path, body, { authorization: `Bearer ${this.token}`, ...headers });
  }
  get<T = any>(path: string, headers?: Record<string, string>) {
    return this.request<T>('GET', path, undefined, headers);
  }
  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, body, headers);
  }
  patch<T = any>(path: string, body: unknown, headers?: Record<string, string>) {
    return this.request<T>('PATCH', path, body, headers);
  }
  delete<T = any>(path: string, headers?: Record<string, string>) {
    return this.request<T>('DELETE', path, undefined, headers);
  }

  /** A client of the same server logged in as someone else. */
  as(credentials: Credentials): Promise<ApiClient> {
    return api(this.baseUrl, credentials);
  }
}

/** How often a sign-in turned away because others were in progress (429 with Retry-After) is tried again. */
const BUSY_SIGN_IN_RETRIES = 10;

/**
 * Logs in with `POST /api/auth/token/` (as the run's admin unless told otherwise) and
 * returns the client; throws with the answer when refused. As a well-behaved client
 * does, it waits out a 429 "too many sign-ins at once" (the bound on concurrent scrypt
 * hashes, SIGN_IN_CONCURRENCY) and tries again: on a loaded machine a suite's few
 * sign-ins at once can meet it. Any other refusal, a lockout's 429 included, throws.
 */
export async function api(baseUrl: string, credentials: Credentials = testEnv().admin): Promise<ApiClient> {
  let res = await send(baseUrl, 'POST', '/api/auth/token/', credentials);
  for (let retry = 0; retry < BUSY_SIGN_IN_RETRIES && isBusySignIn(res); retry++) {
    await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
    res = await send(baseUrl, 'POST', '/api/auth/token/', credentials);
  }
  if (res.status !== 200 || typeof res.body?.token !== 'string') throw new Error(`login as ${credentials.email} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return new ApiClient(baseUrl, res.body.token);
}

const isBusySignIn = (res: ApiResponse) => res.status === 429 && /sign-ins at once/.test(JSON.stringify(res.body));

/** Asserts the status, showing the whole answer when it differs; returns the body. */
export function expectStatus<T = any>(res: ApiResponse<T>, status: number, what = 'request'): T {
  if (res.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}
