import type { FastifyInstance } from 'fastify';
import { parseJsonBody } from './json-body';
import { correlationIdFrom } from './request-context';

/**
 * The HTTP edge, before any Nest code runs.
 * - Only application/json bodies are parsed: any other content type on a body route is
 *   415 (Fastify's own text/plain parser would otherwise hand a string to the DTOs).
 *   Prototype-poisoning keys are refused, as Fastify's default parser does.
 * - Every request gets a correlation id (the client's X-Correlation-Id when it is a
 *   UUID), echoed in the answer and shared by all the events the request emits.
 */
export function configureHttpEdge(fastify: FastifyInstance, bodyLimit: number): void {
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
    reply.header('X-Correlation-Id', request.correlationId);
    done();
  });
}
