/**
 * Raw HTTP against the apps, for the tests (any body, any content type) and the bench's
 * own keep-alive client: an answer's body is JSON when it parses, else its text. No jest here.
 */
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text when the body is not JSON (null when empty). */
  body: T;
}

/** The body as JSON when it is JSON, else the text itself; null when empty. */
export function parseBody(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const REQUEST_TIMEOUT_MS = 15_000;

/**
 * One request with the body as given (any text, any content type: malformed JSON and
 * other media types included), answered with the body parsed as JSON when it is JSON.
 */
export async function sendRaw(url: string | URL, method: string, body: string | undefined, headers: Record<string, string> = {}): Promise<ApiResponse> {
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  return { status: res.status, headers: res.headers, body: parseBody(await res.text()) };
}
