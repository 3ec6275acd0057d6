// The fuzz's generators (fuzz.e2e-spec.ts runs them): the seeded random source, the hostile values,
// the write routes with a body each accepts, and where the seed and its outcome are kept.
import { randomInt } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLogDir } from '../utils';

export const SEED = Number(process.env.FUZZ_SEED ?? randomInt(1, 2 ** 31 - 1));
export const COUNT = Number(process.env.FUZZ_COUNT ?? 400);
export const BODY_LIMIT = 64 * 1024;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
export type Rng = ReturnType<typeof prng>;

export const UUIDISH = ['3f1c1b2a-9d8e-4c7b-a6f5-e4d3c2b1a090', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'];
export const STRINGS = [
  '',
  ' ',
  'x',
  'ACME Corp',
  'a\u0000b',
  '\u0000',
  'a\ud800b',
  '\udfff',
  '😀🎉👩‍👩‍👧',
  'e\u0301\u0301\u0301',
  '\u202eevil\u202c',
  '\u200b\ufeff',
  '漢字とかな',
  'مرحبا',
  "' OR 1=1 --",
  "'; drop table crm.leads; --",
  '${jndi:ldap://x/a}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%s%n%x',
  '\r\n\r\nX-Injected: 1',
  '0000-01-01',
  '9999-12-31T23:59:59Z',
  '2026-02-30',
  '1e309',
  'NaN',
  '-0',
  '0x10',
  '12.345',
  'true',
  'null',
  '__proto__',
  'constructor',
  ...UUIDISH,
];
export const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.1,
  1.005,
  12.34,
  1e21,
  -1e21,
  1.7976931348623157e308,
  -1.7976931348623157e308,
  5e-324,
  2 ** 53 + 1,
  9999999999999.99,
  99999999999999,
  4294967296,
];
export const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'id', 'created_by', 'user', 'role', '', ' ', '😀', 'a.b', '$where'];
export const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'application/xml',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/json-patch+json',
  'application/cloudevents+json',
  'application/octet-stream',
  'garbage',
  '',
];

export function randomString(r: Rng): string {
  if (r.chance(0.08)) return r.pick(['x', '😀', 'ab', '\u0000']).repeat(r.int(200, 20_000));
  if (r.chance(0.3)) return Array.from({ length: r.int(1, 4) }, () => r.pick(STRINGS)).join('');
  return r.pick(STRINGS);
}

export function randomValue(r: Rng, depth = 0): unknown {
  const kind = r.int(0, depth > 3 ? 3 : 6);
  switch (kind) {
    case 0:
      return randomString(r);
    case 1:
      return r.pick(NUMBERS);
    case 2:
      return r.pick([true, false, null]);
    case 3:
      return r.pick(UUIDISH);
    case 4:
      return Array.from({ length: r.int(0, 4) }, () => randomValue(r, depth + 1));
    case 5:
      return randomObject(r, depth + 1);
    default:
      return deep(r, r.int(2, 60));
  }
}

export function randomObject(r: Rng, depth: number, keys: string[] = []): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = r.int(0, 5); i > 0; i -= 1) {
    const key = r.chance(0.5) && keys.length ? r.pick(keys) : r.chance(0.3) ? r.pick(HOSTILE_KEYS) : randomString(r).slice(0, 40);
    // defineProperty: a plain assignment to "__proto__" would set the prototype, not a key.
    Object.defineProperty(o, key, { value: randomValue(r, depth + 1), enumerable: true, configurable: true, writable: true });
  }
  return o;
}

export function deep(r: Rng, depth: number): unknown {
  let v: unknown = randomValue(r, 4);
  for (let i = 0; i < depth; i += 1) v = r.chance(0.5) ? [v] : { a: v };
  return v;
}

export interface Route {
  method: 'POST' | 'PATCH' | 'DELETE';
  path: (id: string) => string;
  idOf?: 'lead' | 'contact' | 'opportunity' | 'quote' | 'task';
  valid: () => Record<string, unknown>;
}

export const ROUTES: Route[] = [
  { method: 'POST', path: () => '/api/users/', valid: () => ({ email: `fuzz.${randomInt(1e9)}@crm.test`, password: 'long enough', name: 'Fuzzed', role: 'sales_rep' }) },
  { method: 'POST', path: () => '/api/auth/token/', valid: () => ({ email: 'nobody@crm.test', password: 'wrong password' }) },
  { method: 'POST', path: () => '/api/leads/', valid: () => ({ name: 'Fuzz Lead', company: 'ACME', status: 'contacted', email: 'a@b.co' }) },
  { method: 'PATCH', path: (id) => `/api/leads/${id}/`, idOf: 'lead', valid: () => ({ status: 'qualified' }) },
  { method: 'POST', path: (id) => `/api/leads/${id}/convert/`, idOf: 'lead', valid: () => ({ opportunity: { name: 'Fuzz Deal', amount: '10.00' } }) },
  { method: 'POST', path: (id) => `/api/leads/${id}/log_interaction/`, idOf: 'lead', valid: () => ({ type: 'call', summary: 'fuzz call' }) },
  { method: 'POST', path: () => '/api/contacts/', valid: () => ({ name: 'Fuzz Contact', phone: '+1 555' }) },
  { method: 'PATCH', path: (id) => `/api/contacts/${id}/`, idOf: 'contact', valid: () => ({ company: 'Other' }) },
  { method: 'POST', path: (id) => `/api/contacts/${id}/log_interaction/`, idOf: 'contact', valid: () => ({ type: 'email', summary: 'fuzz email' }) },
  { method: 'POST', path: () => '/api/opportunities/', valid: () => ({ name: 'Fuzz Opp', amount: 12.5, stage: 'proposal' }) },
  { method: 'PATCH', path: (id) => `/api/opportunities/${id}/`, idOf: 'opportunity', valid: () => ({ stage: 'negotiation' }) },
  { method: 'POST', path: (id) => `/api/opportunities/${id}/log_interaction/`, idOf: 'opportunity', valid: () => ({ type: 'meeting', summary: 'fuzz meeting' }) },
  { method: 'POST', path: () => '/api/quotes/', valid: () => ({ title: 'Fuzz Quote', total_price: '99.99', valid_until: '2027-01-31' }) },
  { method: 'PATCH', path: (id) => `/api/quotes/${id}/`, idOf: 'quote', valid: () => ({ total_price: 5 }) },
  { method: 'POST', path: () => '/api/tasks/', valid: () => ({ action: 'Call', target: 'Fuzz', type: 'call', due_date: '2027-01-01T10:00:00Z' }) },
  { method: 'PATCH', path: (id) => `/api/tasks/${id}/`, idOf: 'task', valid: () => ({ status: 'completed' }) },
  { method: 'POST', path: (id) => `/api/tasks/${id}/mark_completed/`, idOf: 'task', valid: () => ({ notes: 'fuzz notes' }) },
  ...(['leads', 'contacts', 'opportunities', 'quotes', 'tasks'] as const).map((resource): Route => ({
    method: 'DELETE',
    path: (id) => `/api/${resource}/${id}/`,
    valid: () => ({}),
  })),
];

export interface FuzzRequest {
  method: string;
  path: string;
  contentType?: string;
  body?: string | ArrayBuffer;
  headers: Record<string, string>;
  /** For the failure report. */
  what: string;
}

/**
 * The seed and what came of it, kept with the run's artifacts (test/.artifacts/logs/<run>/
 * fuzz-<seed>.json, beside the apps' logs): a failure can be replayed after the output scrolled away.
 */
export function writeResults(fields: Record<string, unknown>): void {
  const file = join(runLogDir(), `fuzz-${SEED}.json`);
  const current = existsSync(file)
    ? JSON.parse(readFileSync(file, 'utf8'))
    : { seed: SEED, count: COUNT, replay: `FUZZ_SEED=${SEED} FUZZ_COUNT=${COUNT} npm test -- test/e2e/fuzz.e2e-spec.ts` };
  writeFileSync(file, `${JSON.stringify({ ...current, ...fields }, null, 2)}\n`);
}

export const hostileId = (r: Rng) =>
  r.pick([
    'not-an-id',
    '1',
    '-1',
    '..',
    '%2e%2e',
    '%00',
    '%ZZ',
    'null',
    'undefined',
    "1'or'1'='1",
    '%F0%9F%98%80',
    encodeURIComponent('a\u0000b'),
    'x'.repeat(r.int(37, 300)),
    UUIDISH[0].toUpperCase(),
    `${UUIDISH[0]}extra`,
    ...UUIDISH,
  ]);
