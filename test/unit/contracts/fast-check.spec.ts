import { EVENT_TYPES, EnvelopeBase, eventVersions, exampleOf, fastCheckedPayloads, parseEvent, parseEventByZod, schemaFor } from '@app/contracts';
import { compileFastCheck } from '../../../libs/contracts/src/fast-check';

/**
 * parseEvent's compiled checks (libs/contracts/src/fast-check.ts) must never change an
 * answer: each message below, valid or broken in one place, gets from parseEvent exactly
 * what zod alone gives (ok or not, the same reason, an equal event).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Values a field may be replaced with: every kind, and the edges of the contracts' checks. */
const REPLACEMENTS: (Json | undefined)[] = [
  undefined, // the key removed
  null,
  true,
  0,
  1,
  -1,
  1.5,
  2 ** 53,
  '',
  ' ',
  'x',
  'x'.repeat(255),
  'x'.repeat(256),
  'x'.repeat(10_000),
  'x'.repeat(10_001),
  '1.0',
  '2.0',
  'application/json',
  'text/plain',
  'new',
  'NEW',
  'call',
  'note',
  'user',
  'status',
  'stage',
  'owner',
  'assigned_to',
  '50000.00',
  '50000.0',
  '12345678901234.00',
  'c0000000-0000-4000-8000-000000000001',
  'C0000000-0000-4000-8000-00000000000A',
  'c0000000-0000-0000-8000-000000000001', // version nibble 0
  'c0000000-0000-4000-c000-000000000001', // variant c
  '00000000-0000-0000-0000-000000000000',
  'not-a-uuid',
  '2026-11-27T12:00:00Z',
  '2026-11-27T12:00:00.123+01:00',
  '2026-11-27T12:00:00',
  '2026-02-30T12:00:00Z',
  '2028-02-29T12:00:00Z',
  '2026-11-27 12:00:00Z',
  [],
  {},
  { id: 'c0000000-0000-4000-8000-000000000001', name: 'Bob' },
  { id: 'c0000000-0000-4000-8000-000000000001', name: 'Bob', kind: 'api_key' },
  { id: 'c0000000-0000-4000-8000-000000000001', name: 'Bob', extra: 1 },
  { id: 'c0000000-0000-4000-8000-000000000001' },
];

/** Every path to a value inside `v` (objects only: the contracts have no arrays). */
function paths(v: Json, prefix: string[] = []): string[][] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return [prefix];
  return [prefix, ...Object.entries(v).flatMap(([k, child]) => paths(child, [...prefix, k]))];
}

function withValue(root: Json, path: string[], value: Json | undefined, extraKey?: string): Json {
  const copy = JSON.parse(JSON.stringify(root)) as Json;
  if (path.length === 0) return value === undefined ? null : value;
  let at = copy as Record<string, Json>;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string, Json>;
  const last = path[path.length - 1];
  if (extraKey !== undefined) (at[last] as Record<string, Json>)[extraKey] = 'surplus';
  else if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}

const versions = EVENT_TYPES.flatMap((type) => eventVersions(type).map((version) => ({ type, version, example: exampleOf(type, version)! as unknown as Json })));

describe('parseEvent with compiled checks answers as zod alone', () => {
  it('compiles the envelope and every registered payload (else that type is zod-only: slower, still right)', () => {
    expect(compileFastCheck(EnvelopeBase)).not.toBeNull();
    expect(fastCheckedPayloads().sort()).toEqual(versions.map(({ type, version }) => `${type}@${version}`).sort());
  });

  it.each(versions.map((v) => [`${v.type} v${v.version}`, v] as const))('%s: the example and every one-field change of it', (_name, { example }) => {
    let cases = 0;
    let accepted = 0;
    for (const path of paths(example)) {
      const variants: Json[] = REPLACEMENTS.map((r) => withValue(example, path, r));
      const target = path.reduce<Json>((at, k) => (at as Record<string, Json>)[k], example);
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
        variants.push(withValue(example, path, undefined, 'unknown_key'), withValue(example, path, undefined, '__proto__'));
      }
      for (const v of variants) {
        const body = JSON.stringify(v);
        const fast = parseEvent(Buffer.from(body));
        expect(fast).toEqual(parseEventByZod(body));
        cases += 1;
        if (fast.ok) accepted += 1;
      }
    }
    // Both branches were exercised: some changes are valid, most are not.
    expect(accepted).toBeGreaterThan(0);
    expect(cases - accepted).toBeGreaterThan(0);
  });

  it('a value the compiled check passes is one zod returns unchanged', () => {
    for (const { type, version, example } of versions) {
      const check = compileFastCheck(schemaFor(type, version)!)!;
      const data = (example as { data: Json }).data;
      expect(check(data)).toBe(true);
      expect(schemaFor(type, version)!.parse(data)).toEqual(data);
    }
  });

  it('a key zod would strip, a __proto__ key, an inherited key: left to zod', () => {
    const check = compileFastCheck(EnvelopeBase)!;
    const example = exampleOf('lead.created', 1)!;
    expect(check(JSON.parse(JSON.stringify(example)))).toBe(true);
    expect(check({ ...example, extra: 1 })).toBe(false);
    expect(check(JSON.parse(JSON.stringify(example).replace('{', '{"__proto__":{"x":1},')))).toBe(false);
    expect(check(Object.assign(Object.create({ inherited: 1 }) as object, example))).toBe(false);
    // zod accepts it, stripped: so does parseEvent.
    const stripped = parseEvent(JSON.stringify({ ...example, extra: 1, data: { ...example.data, extra: 2 } }));
    expect(stripped).toEqual({ ok: true, event: example });
  });

  it('bodies that are not JSON, or not objects', () => {
    for (const body of ['', 'nul', '[]', '1', '"x"', 'null', '{"specversion":"1.0"}']) expect(parseEvent(body)).toEqual(parseEventByZod(body));
  });
});
