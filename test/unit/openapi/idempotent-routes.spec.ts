import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

interface Operation {
  parameters?: { name: string; in: string }[];
}

/**
 * Which routes honour Idempotency-Key is a decision per route (@Idempotent(), opt-in):
 * a stored answer is replayed to whoever holds the key, so a route whose answer holds a
 * secret (a token, an API key) must never be on this list. A new route lands here only on
 * purpose; docs/openapi.json is checked against the controllers by openapi-drift.spec.ts.
 */
describe('routes that honour Idempotency-Key', () => {
  const doc = JSON.parse(readFileSync(join(ROOT, 'docs', 'openapi.json'), 'utf8')) as { paths: Record<string, Record<string, Operation>> };
  const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })));
  const keyed = routes.filter(({ op }) => op.parameters?.some((p) => p.in === 'header' && p.name === 'Idempotency-Key')).map(({ route }) => route);

  it('are exactly the creates and the actions', () => {
    expect(keyed.sort()).toEqual(
      [
        'POST /api/contacts',
        'POST /api/contacts/{id}/log_interaction',
        'POST /api/leads',
        'POST /api/leads/{id}/convert',
        'POST /api/leads/{id}/log_interaction',
        'POST /api/opportunities',
        'POST /api/opportunities/{id}/log_interaction',
        'POST /api/quotes',
        'POST /api/tasks',
        'POST /api/tasks/{id}/mark_completed',
        'POST /api/users',
      ].sort(),
    );
  });

  it('never sign-in (its answer is a token), logout or the password routes', () => {
    for (const route of ['POST /api/auth/token', 'POST /api/auth/logout', 'POST /api/users/me/password', 'POST /api/users/{id}/password']) {
      expect(routes.map((r) => r.route)).toContain(route);
      expect(keyed).not.toContain(route);
    }
  });
});
