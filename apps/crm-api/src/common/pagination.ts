import { EntityManager, EntityName, FilterQuery, raw } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { CursorKey, decodeCursor, encodeCursor } from './cursor';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

const PAGE_SHAPE = {
  limit: z.coerce
    .number({ message: `must be an integer from 1 to ${MAX_LIMIT}` })
    .int(`must be an integer from 1 to ${MAX_LIMIT}`)
    .min(1, `must be an integer from 1 to ${MAX_LIMIT}`)
    .max(MAX_LIMIT, `must be an integer from 1 to ${MAX_LIMIT}`)
    .default(DEFAULT_LIMIT),
  cursor: z
    .string()
    .transform((text, ctx) => {
      const key = decodeCursor(text);
      if (!key) {
        ctx.addIssue({ code: 'custom', message: 'not a cursor this API gave out; take it from `next`' });
        return z.NEVER;
      }
      return key;
    })
    .optional(),
};

/** A list's query: its filters plus `limit` and `cursor`; unknown parameters are refused. */
export const listQuery = <T extends z.ZodRawShape>(filters: T) => z.strictObject({ ...filters, ...PAGE_SHAPE });

export interface PageRequest {
  limit: number;
  cursor?: CursorKey;
}

export interface Page<T> {
  items: T[];
  /** The cursor of the page after this one, or null on the last page. */
  nextCursor: string | null;
}

interface Keyed {
  id: string;
  createdAt: Date;
}

/**
 * Newest first by (created_at, id), keyset-paged: the next page starts strictly after
 * the last row seen, by a row comparison the (created_at desc, id desc) index serves.
 * Never OFFSET: a deep page costs the same as the first, and rows inserted meanwhile
 * neither repeat nor vanish. One extra row tells whether there is a next page.
 */
export async function findPage<T extends Keyed>(em: EntityManager, entity: EntityName<T>, where: Record<string, unknown>, page: PageRequest): Promise<Page<T>> {
  const filter: Record<string, unknown> = { ...where };
  if (page.cursor) {
    const { createdAt, id } = page.cursor;
    filter[raw<T, string>((alias) => `(${alias}.created_at, ${alias}.id) < (?, ?)`, [createdAt, id])] = [];
  }
  const rows = (await em.find(entity, filter as FilterQuery<T>, {
    orderBy: { createdAt: 'desc', id: 'desc' } as never,
    limit: page.limit + 1,
  })) as T[];
  const more = rows.length > page.limit;
  const items = more ? rows.slice(0, page.limit) : rows;
  const last = items[items.length - 1];
  return { items, nextCursor: more && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
}

/**
 * The `next` link: the same path and query (filters, limit) with the new cursor. Absolute
 * under PUBLIC_URL when it is set, else relative: never built from the request's Host
 * (or X-Forwarded-Host), which the client chooses.
 */
export function pageLink(publicUrl: string | undefined, requestUrl: string, cursor: string | null): string | null {
  if (!cursor) return null;
  const url = new URL(requestUrl, 'http://relative.invalid');
  url.searchParams.set('cursor', cursor);
  // One leading slash: "//host/..." would be a link to another host.
  const path = `${url.pathname}${url.search}`.replace(/^\/+/, '/');
  return publicUrl ? `${publicUrl.replace(/\/+$/, '')}${path}` : path;
}
