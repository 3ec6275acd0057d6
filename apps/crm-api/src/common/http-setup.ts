import type { FastifyInstance } from 'fastify';
import { parseJsonBody } from './json-body';
import { errorBody } from './error-body';
import { correlationIdFrom } from './request-context';

/** A "." or ".." path segment, written as is or percent-encoded, with / or \\ between segments. */
export function hasDotSegment(url: string): boolean {
  const path = url.split('?')[0];
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    /* malformed escapes: the router answers 400 */
  }
  return decoded.split(/[/\\]/).some((segment) => segment === '.' || segment === '..');
}

/**
 * The HTTP edge, before any Nest code runs.
 * - Only application/json bodies are parsed: any other content type on a body route is
 *   415 (Fastify's own text/plain parser would otherwise hand a string to the DTOs).
 *   Prototype-poisoning keys are refused, as Fastify's default parser does.
 * - A path with a "." or ".." segment is 404 before any route or file is looked at.
 * - Every request gets a correlation id (the client's X-Correlation-Id when it is a
 *   UUID), echoed in the answer and shared by all the events the request emits.
 */
export function configureHttpEdge(fastify: FastifyInstance, bodyLimit: number, publicUrl?: string): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });

  fastify.addHook('onRequest', (request, reply, done) => {
    request.correlationId = correlationIdFrom(request.headers['x-correlation-id']);
    request.publicUrl = publicUrl;
    reply.header('X-Correlation-Id', request.correlationId);
    // No route has a "." or ".." segment; the static files of the docs would pass one to
    // the file system, which answered 500 with a stack trace in the log.
    if (hasDotSegment(request.url)) return void reply.code(404).send(errorBody(404, 'not found'));
    done();
  });
}
