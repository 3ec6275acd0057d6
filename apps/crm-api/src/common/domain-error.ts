/**
 * What a service may refuse with. Services know nothing of HTTP (the same code may run
 * outside a request); the one global filter maps each code to its status.
 */
export type DomainErrorCode =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'precondition_failed'
  | 'rate_limited'
  /** Idempotency-Key: a request with this key is still running (409). */
  | 'idempotency_key_in_use'
  /** Idempotency-Key: already used for a different request (422). */
  | 'idempotency_key_reused';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    /** A sentence, or one entry per bad field ("amount: ..."). */
    readonly detail: string | string[],
    /** For rate_limited: when the client may try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(Array.isArray(detail) ? detail.join('; ') : detail);
    this.name = 'DomainError';
  }

  static invalid(detail: string | string[]) {
    return new DomainError('invalid', detail);
  }
  static notFound(what: string, id: string) {
    return new DomainError('not_found', `${what} ${id} not found`);
  }
  static conflict(detail: string) {
    return new DomainError('conflict', detail);
  }
  static forbidden(detail: string) {
    return new DomainError('forbidden', detail);
  }
  static unauthorized(detail: string) {
    return new DomainError('unauthorized', detail);
  }
}
