import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * helmet's headers on every answer (Content-Security-Policy, HSTS, X-Content-Type-Options,
 * no X-Powered-By, …), set on the raw response in an onRequest hook, so streams written
 * straight to it (SSE) have them too. helmet's middleware is built once: @fastify/helmet
 * built it again for every request (its options parsed, the policy's text assembled) in
 * two hooks, one of them async, 2–3 % of crm-api's CPU per request (docs/benchmarks.md).
 */
export function addSecurityHeaders(fastify: FastifyInstance, options: Readonly<HelmetOptions>): void {
  const setHeaders = helmet(options);
  fastify.addHook('onRequest', (request, reply, done) => setHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)));
}
