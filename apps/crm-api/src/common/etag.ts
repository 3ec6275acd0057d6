import { CallHandler, ExecutionContext, Injectable, NestInterceptor, UseInterceptors } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import type { FastifyReply } from 'fastify';
import { map, Observable } from 'rxjs';
import { DomainError } from './domain-error';

/**
 * Optimistic concurrency for records. A record's entity tag is its version: the
 * `updated_at` that every real change moves (strictly forward, so two versions never
 * share a tag; see updateOr404). GET and write answers carry it as `ETag`; a PATCH with
 * `If-Match` is applied only to a row version that has one of the listed tags (the
 * change is written onto exactly the version it was checked on).
 */
export function etagOf(updatedAt: Date | string): string {
  const ms = typeof updatedAt === 'string' ? Date.parse(updatedAt) : updatedAt.getTime();
  return `"${ms.toString(36)}"`;
}

const STRONG_TAG = /^"[\x21\x23-\x7e]*"$/;

/**
 * Parses an If-Match header (RFC 9110 13.1.1): `*`, or a comma-separated list of strong
 * entity tags. A weak tag (`W/"…"`) never matches a strong comparison, so it is refused
 * rather than silently never matching. Undefined when there is no header.
 */
export function parseIfMatch(header: string | string[] | undefined): string[] | '*' | undefined {
  if (header === undefined) return undefined;
  const value = (Array.isArray(header) ? header.join(',') : header).trim();
  if (value === '*') return '*';
  const tags = value
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (tags.length === 0 || !tags.every((t) => STRONG_TAG.test(t)))
    throw DomainError.invalid('If-Match: expected "*" or entity tags as the ETag header gives them, e.g. "lq7k3x2a"');
  return tags;
}

/** Throws 412 unless the record's current tag is one the client said it had. */
export function assertIfMatch(ifMatch: string[] | '*' | undefined, what: string, updatedAt: Date): void {
  if (ifMatch === undefined || ifMatch === '*') return;
  const current = etagOf(updatedAt);
  if (!ifMatch.includes(current)) throw new DomainError('precondition_failed', `If-Match: the ${what} has changed since (its ETag is now ${current}); read it again and retry`);
}

const isRecordView = (body: unknown): body is { id: string; updated_at: string } =>
  body !== null &&
  typeof body === 'object' &&
  !Array.isArray(body) &&
  typeof (body as { id?: unknown }).id === 'string' &&
  typeof (body as { updated_at?: unknown }).updated_at === 'string';

/** Sets `ETag` on `reply` when `body` is one record (a GET, a create, a PATCH); returns `body`. */
export function tagRecord<T>(reply: FastifyReply, body: T): T {
  if (isRecordView(body)) reply.header('etag', etagOf(body.updated_at));
  return body;
}

/** Sets `ETag` on every answer that is one record. */
@Injectable()
export class EtagInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(map((body: unknown) => tagRecord(reply, body)));
  }
}

/**
 * Metadata of a route whose own interceptor sets the ETag (@Idempotent(): it must see the
 * tag to store it with the answer), so @RecordAnswers() gives it no EtagInterceptor.
 */
export const TAGS_OWN_ANSWERS = 'crm:tags-own-answers';

/**
 * On a controller whose answers may be one record: each of its routes gets the
 * EtagInterceptor, but for those that tag their answers themselves (TAGS_OWN_ANSWERS).
 * Not global, so routes that never answer a record (the feed, health) skip Nest's
 * interceptor pipeline (docs/benchmarks.md, "Interceptors where they serve"); not on the
 * class, so a keyed create runs one interceptor, not three (each is a layer of rxjs and
 * an AsyncResource: docs/benchmarks.md, "One interceptor per write").
 */
export const RecordAnswers = (): ClassDecorator => (target) => {
  // Class decorators run after the methods', whose route metadata is already there.
  const proto = target.prototype as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, name);
    const route: unknown = descriptor?.value;
    if (name === 'constructor' || typeof route !== 'function' || Reflect.getMetadata(PATH_METADATA, route) === undefined) continue;
    if (!Reflect.getMetadata(TAGS_OWN_ANSWERS, route)) UseInterceptors(EtagInterceptor)(proto, name, descriptor!);
  }
};
