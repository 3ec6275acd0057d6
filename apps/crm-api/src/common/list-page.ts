import type { FastifyRequest } from 'fastify';
import { Page, pageLink } from './pagination';

/** A service's page as the API answers it: `{"results": [...], "next": <url or null>}`. */
export function listPage<T, V>(request: FastifyRequest, page: Page<T>, view: (item: T) => V) {
  return {
    results: page.items.map(view),
    next: pageLink(request.publicUrl, request.url, page.nextCursor),
  };
}
