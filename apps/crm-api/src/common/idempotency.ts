import { applyDecorators, CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor, SetMetadata, UseInterceptors } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, map, Observable } from 'rxjs';
import { STATUS } from './api-exception.filter';
import { DomainError } from './domain-error';
import { errorBody } from './error-body';
import { TAGS_OWN_ANSWERS, tagRecord } from './etag';
import { fingerprintOf, IDEMPOTENCY_HEADER, IDEMPOTENCY_TTL_HOURS, idempotencyKeyOf, lockIdOf } from './idempotency-key';
import { IdempotencyRepository, StoredAnswer } from './idempotency.repository';
import { ApiErrors } from './openapi';

const IDEMPOTENT = 'crm:idempotent';

/**
 * Marks a route that honours Idempotency-Key (docs/decisions.md): opt-in, because a
 * stored answer is replayed to whoever holds the key, and an answer with a secret in
 * it must never be stored. The interceptor is the route's own, not global: a route
 * without any (the feed's pages) skips Nest's interceptor pipeline, measured at 5–17 %
 * of crm-api's CPU per GET (docs/benchmarks.md). It also sets the ETag (TAGS_OWN_ANSWERS:
 * @RecordAnswers() adds no EtagInterceptor here), before it stores an answer, so the
 * ETag it stores (and replays) is the one that answer was sent with.
 */
export const Idempotent = () =>
  applyDecorators(
    SetMetadata(IDEMPOTENT, true),
    SetMetadata(TAGS_OWN_ANSWERS, true),
    // A function: the class is declared below this line, and read when a route is decorated.
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: IDEMPOTENCY_HEADER,
      required: false,
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7e]+$' },
      description:
        `1–255 printable characters (e.g. a UUID) naming this request: a retry with the same key and body gets the first answer back ` +
        `(with Idempotent-Replayed: true) and writes nothing. Kept ${IDEMPOTENCY_TTL_HOURS} h per user; the same key with another body is a 422, ` +
        `while the first request still runs a 409.`,
    }),
    ApiErrors(409, 422),
  );

/** Answer headers a replay repeats. */
const REPLAYED_HEADERS = ['location', 'etag', 'vary', 'preference-applied'] as const;

/** Errors the handler raised that are its answer (Stripe stores those); the rest may succeed on a retry. */
const STORED_ERRORS = new Set(['forbidden', 'not_found', 'conflict']);

const SWEEP_EVERY_MS = 10 * 60_000;

type Answer = StoredAnswer;

/** What a route that must do something after its answer is committed leaves here (see afterCommit). */
interface Scope {
  sequel?: () => Promise<unknown>;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: Scope;
  }
}

/**
 * For a route whose answer may improve once its write is committed (log_interaction's
 * Prefer: wait waits for a log that cannot exist before then). Without a key, `later()`
 * is the answer. With one, `now` is stored with the write and committed, then `later()`
 * runs and, if it answers otherwise, replaces the stored answer: a retry after a crash in
 * between replays `now`, which is still true.
 */
export function afterCommit<T>(request: FastifyRequest, now: T, later: () => Promise<T>): T | Promise<T> {
  if (!request.idempotency) return later();
  request.idempotency.sequel = later;
  return now;
}

/**
 * Idempotent retries with Stripe's semantics, for routes marked @Idempotent(). With an
 * Idempotency-Key, the handler runs in ONE transaction that first takes an advisory lock
 * on (caller, key) (taken: 409) and looks for a stored answer (same request: replayed,
 * nothing written; another request: 422); else the handler's write and its answer are
 * committed together, so a crash leaves either both or neither. It sets the answer's
 * ETag itself before storing it, so a replay carries the ETag the first answer had.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly log = new Logger('idempotency');
  private lastSweep = 0;

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: IdempotencyRepository,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.reflector.get<boolean>(IDEMPOTENT, context.getHandler())) return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const key = idempotencyKeyOf(request.headers['idempotency-key']);
    if (key === undefined) return next.handle().pipe(map((body: unknown) => tagRecord(reply, body)));
    return from(this.run(request, reply, next, key));
  }

  private async run(request: FastifyRequest, reply: FastifyReply, next: CallHandler, key: string): Promise<string | undefined> {
    const userId = request.caller?.id;
    if (!userId) throw new Error('Idempotency-Key on a route without a caller');
    const fingerprint = fingerprintOf(request.method, request.routeOptions.url ?? request.url, request.params, request.body);
    const scope: Scope = {};
    let ran = false;
    let result: { answer: Answer; replayed: boolean };
    try {
      result = await this.keys.transaction(async () => {
        if (!(await this.keys.tryLock(lockIdOf(userId, key))))
          throw new DomainError('idempotency_key_in_use', `${IDEMPOTENCY_HEADER}: a request with this key is still running; retry once it has its answer`, 1);
        const found = await this.keys.findLive(userId, key, IDEMPOTENCY_TTL_HOURS);
        if (found) {
          if (found.fingerprint !== fingerprint)
            throw new DomainError('idempotency_key_reused', `${IDEMPOTENCY_HEADER}: this key was used for a different request (another route or body); use a new key`);
          return { answer: { status: found.status, body: found.body, headers: found.headers }, replayed: true };
        }
        request.idempotency = scope;
        ran = true;
        const answer = answerOf(reply, tagRecord(reply, await lastValueFrom(next.handle(), { defaultValue: undefined })));
        // An expired row under the same key is replaced.
        await this.keys.save(userId, key, fingerprint, answer);
        return { answer, replayed: false };
      });
    } catch (error) {
      // Rolled back, nothing written: the refusal itself is the answer to replay.
      if (ran && error instanceof DomainError && STORED_ERRORS.has(error.code)) await this.storeRefusal(userId, key, fingerprint, error);
      throw error;
    }
    let { answer } = result;
    if (result.replayed) reply.header('Idempotent-Replayed', 'true');
    else {
      this.sweep();
      if (scope.sequel) answer = await this.sequel(scope.sequel, reply, userId, key, answer);
    }
    return this.send(reply, answer);
  }

  /** The answer after commit (see afterCommit); stored in place of the first if it differs. */
  private async sequel(sequel: () => Promise<unknown>, reply: FastifyReply, userId: string, key: string, first: Answer): Promise<Answer> {
    const answer = answerOf(reply, await sequel());
    if (answer.status === first.status && answer.body === first.body) return answer;
    try {
      await this.keys.replaceAnswer(userId, key, answer);
      return answer;
    } catch (e) {
      // The first answer stays stored, and is what this request gets too: a retry sees the same.
      this.log.warn({ msg: 'updating the answer of an idempotency key failed; answering the stored one', error: (e as Error).message });
      reply.status(first.status);
      return first;
    }
  }

  private send(reply: FastifyReply, answer: Answer): string | undefined {
    reply.status(answer.status);
    for (const [name, value] of Object.entries(answer.headers)) reply.header(name, value);
    if (answer.body === null) return undefined;
    // The stored text itself: a replay is the first answer byte for byte.
    reply.header('content-type', 'application/json; charset=utf-8');
    return answer.body;
  }

  private async storeRefusal(userId: string, key: string, fingerprint: string, error: DomainError): Promise<void> {
    const status = STATUS[error.code];
    try {
      await this.keys.saveRefusal(userId, key, fingerprint, status, JSON.stringify(errorBody(status, error.detail)), IDEMPOTENCY_TTL_HOURS);
    } catch (e) {
      // Not stored: a retry runs the request again, which is safe (nothing was written).
      this.log.warn({ msg: 'storing a refusal for an idempotency key failed', error: (e as Error).message });
    }
  }

  /** Expired keys leave within SWEEP_EVERY_MS of the next keyed write (per process). */
  private sweep(): void {
    if (Date.now() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = Date.now();
    this.keys.deleteOlderThan(IDEMPOTENCY_TTL_HOURS).catch((e: Error) => this.log.warn({ msg: 'sweeping expired idempotency keys failed', error: e.message }));
  }
}

function answerOf(reply: FastifyReply, body: unknown): Answer {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = reply.getHeader(name);
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return { status: reply.statusCode, body: body === undefined ? null : JSON.stringify(body), headers };
}
