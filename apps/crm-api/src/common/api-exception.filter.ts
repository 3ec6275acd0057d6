import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { fromDatabaseError } from './database-error';
import { DomainError, DomainErrorCode } from './domain-error';
import { errorBody, ErrorBody } from './error-body';
import { ThrottledWarning } from './throttled-warning';

export const STATUS: Record<DomainErrorCode, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  rate_limited: 429,
  idempotency_key_in_use: 409,
  idempotency_key_reused: 422,
};

/**
 * The one place errors become HTTP. Every answer has the same shape; anything not
 * recognised is a bug, logged with its stack and answered 500 without internals.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('http');
  /** Every request fails alike during an outage: a line per 10 s, with the count. */
  private readonly unavailable = new ThrottledWarning(this.log);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<unknown>();
    const request = http.getRequest<{ method?: string; url?: string; correlationId?: string }>();
    const adapter = this.adapterHost.httpAdapter;
    const headers: Record<string, string> = {};
    const body = this.toBody(exception, headers, request);
    // A stream (SSE) that fails after its headers went out cannot change its status.
    if (adapter.isHeadersSent(reply)) return;
    for (const [name, value] of Object.entries(headers)) adapter.setHeader(reply, name, value);
    adapter.reply(reply, body, body.status);
  }

  private toBody(exception: unknown, headers: Record<string, string>, request: { method?: string; url?: string; correlationId?: string }): ErrorBody {
    if (exception instanceof DomainError) {
      const status = STATUS[exception.code];
      if (status === 401) headers['WWW-Authenticate'] = 'Bearer';
      if (exception.retryAfterSeconds) headers['Retry-After'] = String(exception.retryAfterSeconds);
      return errorBody(status, exception.detail);
    }
    if (exception instanceof HttpException) {
      // Nest's own (unknown route) and Fastify's (malformed JSON, body too large,
      // unsupported media type), which Nest hands here as HttpExceptions.
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message = typeof response === 'string' ? response : ((response as { message?: string | string[] }).message ?? exception.message);
      if (status === 415) return errorBody(415, 'send the body as application/json');
      if (status >= 500) this.log.error({ msg: 'http exception', error: exception.message, stack: exception.stack, correlation_id: request.correlationId });
      return errorBody(status, message);
    }
    const mapped = fromDatabaseError(exception);
    if (mapped instanceof DomainError) return this.toBody(mapped, headers, request);
    if (mapped) {
      this.unavailable.warn({ msg: 'database unavailable', error: (exception as Error).message, correlation_id: request.correlationId });
      headers['Retry-After'] = '5';
      return errorBody(503, mapped.unavailable);
    }
    const error = exception instanceof Error ? exception : new Error(String(exception));
    this.log.error({ msg: 'unhandled error', error: error.message, stack: error.stack, method: request.method, url: request.url, correlation_id: request.correlationId });
    return errorBody(500, 'internal error; it has been logged');
  }
}
