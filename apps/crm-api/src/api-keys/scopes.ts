/**
 * What a key may do (docs/decisions.md, "API keys"). Every key reads; `write` adds
 * every request that is not a GET; `admin` makes its service user an admin (else a
 * sales rep, under the same Policy as one). Stored normalized: `read` always included.
 */
export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export function normalizeScopes(given: readonly Scope[]): Scope[] {
  const set = new Set<Scope>(['read', ...given]);
  return SCOPES.filter((s) => set.has(s));
}

/** The role of a key's service user: the Policy's rules follow from it. */
export const roleOf = (scopes: readonly Scope[]) => (scopes.includes('admin') ? 'admin' : 'sales_rep');
