import { EntityManager, Knex, MikroORM, RequestContext, TransactionContext } from '@mikro-orm/postgresql';
import type { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance } from 'fastify';

/**
 * The request's EntityManager forks, made on first use. MikroORM's RequestContext forks
 * every EntityManager up front (a new EntityManager, UnitOfWork, EntityFactory, loader,
 * validator…: 2.5 % of crm-api's samples under the POST load, plus their garbage), but a
 * create's path never uses the fork: the caller lookup and the one insert run as named
 * statements on a pooled connection (database/named-query.ts, common/insert-new.ts).
 * Whatever asks the context for its EntityManager (the injected one resolves it on every
 * call) gets the same fork `RequestContext.create` would have made, made then, once per
 * request.
 */
class LazyForks extends Map<string, EntityManager> {
  constructor(readonly root: EntityManager) {
    super();
  }

  /** While the fork is made: its constructor resolves the context too, and finds none, as it did before the request's context was entered. */
  private forking = false;

  override get(name: string): EntityManager | undefined {
    let em = super.get(name);
    if (em === undefined && name === this.root.name && !this.forking) {
      this.forking = true;
      try {
        // Forked from the root itself, as at the request's start: not from a transaction's
        // EntityManager that may be open where the fork is first asked for.
        em = this.root.fork({ useContext: true, disableContextResolution: true });
      } finally {
        this.forking = false;
      }
      this.set(name, em);
    }
    return em;
  }
}

/** RequestContext's own store (a static it keeps private): a context is entered as `RequestContext.create` enters one. */
const storage = (RequestContext as unknown as { storage: AsyncLocalStorage<RequestContext> }).storage;

/**
 * Every request runs in a MikroORM RequestContext of its own (an EntityManager fork that
 * services reach through the injected EntityManager, made when first asked for: LazyForks),
 * opened by a Fastify `onRequest` hook. MikroOrmModule's default does it as a Nest
 * middleware, and Nest runs middleware on Fastify through @fastify/middie, which for every
 * request copies `ip`, `ips`, `hostname` and `protocol` onto the raw request and matches
 * the path, then Nest's wrapper sanitises and matches it again, all to call the same
 * `RequestContext.create` (docs/benchmarks.md, "The request context without middleware").
 * The hook is added last among the `onRequest` hooks, where the middleware ran: the body
 * check's API-key lookup (common/early-auth.ts) runs before it, as before, and needs no
 * context.
 */
export function requestContextPerRequest(fastify: FastifyInstance, orm: MikroORM): void {
  fastify.addHook('onRequest', (_request, _reply, done) => storage.run(new RequestContext(new LazyForks(orm.em)), done));
}

/**
 * `em.getTransactionContext()`, without forking the request's EntityManager to answer it:
 * while the request has not forked it, nothing can have opened a transaction on it, and
 * a transaction opened by `em.transactional` is found first (TransactionContext, which
 * MikroORM's own resolution prefers too). Any other case asks `em` itself.
 */
export function transactionOf(em: EntityManager): Knex.Transaction | undefined {
  const forks = RequestContext.currentRequestContext()?.map;
  if (forks instanceof LazyForks && em === forks.root && !forks.has(em.name) && !TransactionContext.getEntityManager(em.name)) return undefined;
  return em.getTransactionContext<Knex.Transaction>();
}
