import { ApiClient } from './api-client';

/** What one request of a load got: an HTTP status, or no answer before its deadline, or a failure to connect. */
export interface LoadAnswer {
  outcome: number | 'hung' | 'failed';
  /** When it was sent and how long it took (ms since the epoch / ms). */
  at: number;
  ms: number;
  /** The name sent: a record answered 503 may still have been committed, and is found by it. */
  name: string;
  /** The created record's id (201). */
  id?: string;
  error?: string;
}

/** One request of a load: what to send; `name` identifies a created record. */
interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  name: string;
  body?: unknown;
}

/**
 * `concurrency` clients, each sending its next request as soon as it has its answer,
 * until stop(). Every request has a deadline: one without an answer by then is counted
 * as hung, not waited for.
 */
export class RequestLoad {
  readonly answers: LoadAnswer[] = [];
  private stopped = false;
  private readonly workers: Promise<void>[] = [];
  private sent = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly deadlineMs: number,
    private readonly next: (n: number) => LoadRequest,
  ) {}

  start(concurrency: number): this {
    for (let i = 0; i < concurrency; i++) this.workers.push(this.work());
    return this;
  }

  /** Stops sending; resolves once every request in flight has its answer (or its deadline). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers);
  }

  /** `n` more requests at once, beside the steady ones; resolves when all have their answer. */
  async burst(n: number): Promise<void> {
    const answers = await Promise.all(Array.from({ length: n }, () => this.send(this.next(++this.sent))));
    this.answers.push(...answers);
  }

  /** Answers of requests sent in [from, to). */
  between(from: number, to = Infinity): LoadAnswer[] {
    return this.answers.filter((a) => a.at >= from && a.at < to);
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      const answer = await this.send(this.next(++this.sent));
      this.answers.push(answer);
      // A dead server refuses at once: do not spin on it.
      if (answer.outcome === 'failed') await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async send({ method, path, name, body }: LoadRequest): Promise<LoadAnswer> {
    const at = Date.now();
    try {
      const res = await fetch(new URL(path, this.client.baseUrl), {
        method,
        headers: { authorization: `Bearer ${this.client.token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.deadlineMs),
      });
      const text = await res.text();
      const parsed = text ? (JSON.parse(text) as { id?: string; message?: string }) : {};
      return { outcome: res.status, at, ms: Date.now() - at, name, id: res.status === 201 ? parsed.id : undefined, error: parsed.message };
    } catch (err) {
      const e = err as Error;
      const outcome = e.name === 'TimeoutError' || e.name === 'AbortError' ? 'hung' : 'failed';
      return { outcome, at, ms: Date.now() - at, name, error: `${e.message} ${(e.cause as Error | undefined)?.message ?? ''}`.trim() };
    }
  }
}

/** `POST /api/<resource>/ {"name": "<namePrefix> <n>"}` over and over. */
export const writeLoad = (client: ApiClient, resource: string, namePrefix: string, deadlineMs: number) =>
  new RequestLoad(client, deadlineMs, (n) => ({ method: 'POST', path: `/api/${resource}/`, name: `${namePrefix} ${n}`, body: { name: `${namePrefix} ${n}` } }));

/** `GET <path>` over and over. */
export const readLoad = (client: ApiClient, path: string, deadlineMs: number) => new RequestLoad(client, deadlineMs, (n) => ({ method: 'GET', path, name: `read ${n}` }));

/** Answers counted by outcome: {"201": n, "503": n, "hung": n, ...}. */
export function countByOutcome(answers: LoadAnswer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) counts[String(a.outcome)] = (counts[String(a.outcome)] ?? 0) + 1;
  return counts;
}
