// Requests to crm-api, with the signed-in user's bearer token.
import { signOut } from './session.js';
import { state } from './state.js';

/** Thrown by a request answered 401: the session has ended and the page has said so. */
export class SignedOut extends Error {}

/** What the API answers with an error. */
export type ErrorBody = { message?: string | string[] };

/** A response's JSON body, null when it has none (fetch types it `any`: the caller says what it expects). */
export const jsonOrNull = <T>(res: Response): Promise<T | null> => res.json().catch(() => null) as Promise<T | null>;

/** The API's error message (a string or a list of them), else the status. */
export function messageOf(body: ErrorBody | null, res: Response): string {
  const m = body && body.message;
  return Array.isArray(m) ? m.join('; ') : m || 'HTTP ' + res.status;
}

type Init = Omit<RequestInit, 'headers'> & { headers?: Record<string, string> };

/** fetch with the bearer token; a 401 ends the session. */
export async function call(path: string, init: Init = {}): Promise<Response> {
  const headers = Object.assign({ accept: 'application/json', authorization: 'Bearer ' + state.token }, init.headers);
  const res = await fetch(path, Object.assign({}, init, { headers, cache: 'no-store' as const }));
  if (res.status === 401) {
    signOut('Your session has ended: please sign in again.');
    throw new SignedOut();
  }
  return res;
}

/** The JSON body of a GET; an answer that is not 2xx throws with the API's message. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await call(path, { signal });
  const body = await jsonOrNull<T & ErrorBody>(res);
  if (!res.ok) throw new Error(messageOf(body, res));
  return body as T;
}

/** The path and query of an absolute 'next' link: the page's own origin serves it. */
export function relative(url: string): string {
  const u = new URL(url, location.href);
  return u.pathname + u.search;
}

export const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
