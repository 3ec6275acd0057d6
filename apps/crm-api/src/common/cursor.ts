/**
 * The opaque `?cursor=` of keyset pagination: the (created_at, id) of the last row of
 * the page, base64url-encoded JSON. Opaque so its layout can change; validated on the
 * way in so a forged or truncated cursor is a 400, never a SQL error.
 */
export interface CursorKey {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([key.createdAt.toISOString(), key.id]), 'utf8').toString('base64url');
}

export function decodeCursor(text: string): CursorKey | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [at, id] = value as unknown[];
  if (typeof at !== 'string' || typeof id !== 'string' || !UUID.test(id)) return null;
  const createdAt = new Date(at);
  if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== at) return null;
  // Never one of ours (no row is that old), and PostgreSQL has no year 0: refused, not queried.
  if (createdAt.getUTCFullYear() < 1) return null;
  return { createdAt, id };
}
