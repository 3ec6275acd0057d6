import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';

/**
 * Every request runs in a MikroORM RequestContext of its own (an EntityManager fork that
 * services reach through the injected EntityManager), opened by a Fastify `onRequest`
 * hook. MikroOrmModule's default does it as a Nest middleware, and Nest runs middleware
 * on Fastify through @fastify/middie, which for every request copies `ip`, `ips`,
 * `hostname` and `protocol` onto the raw request and matches the path, then Nest's
 * wrapper sanitises and matches it again, all to call the same `RequestContext.create`
 * (docs/benchmarks.md, "The request context without middleware"). The hook is added
 * last among the `onRequest` hooks, where the middleware ran: the body check's API-key
 * lookup (common/early-auth.ts) runs before it, as before, and needs no context.
 */
export function requestContextPerRequest(fastify: FastifyInstance, orm: MikroORM): void {
  fastify.addHook('onRequest', (_request, _reply, done) => RequestContext.create(orm.em, done));
}
