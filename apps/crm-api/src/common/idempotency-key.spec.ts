import { DomainError } from './domain-error';
import { fingerprintOf, idempotencyKeyOf, lockIdOf, stableJson } from './idempotency-key';

describe('Idempotency-Key', () => {
  it('takes 1 to 255 printable ASCII characters; no header is no key', () => {
    expect(idempotencyKeyOf(undefined)).toBeUndefined();
    expect(idempotencyKeyOf('a')).toBe('a');
    expect(idempotencyKeyOf(' ~'.repeat(127) + 'x')).toHaveLength(255);
    for (const bad of ['', 'k'.repeat(256), 'caf\u00e9', 'tab\there', 'del\x7f']) {
      expect(() => idempotencyKeyOf(bad)).toThrow(DomainError);
      expect(() => idempotencyKeyOf(bad)).toThrow(/^Idempotency-Key: /);
    }
  });

  it('a body is the same request whatever the order of its keys, and not with another value', () => {
    expect(stableJson({ b: 1, a: { d: [2, { f: 1, e: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[2,{"e":null,"f":1}]},"b":1}');
    const fp = (body: unknown, route = '/api/leads/:id/convert', params: unknown = { id: '1' }) => fingerprintOf('POST', route, params, body);
    expect(fp({ a: 1, b: 2 })).toBe(fp({ b: 2, a: 1 }));
    expect(fp({ a: 1 })).not.toBe(fp({ a: '1' }));
    expect(fp({ a: 1 })).not.toBe(fp({ a: 1 }, '/api/leads/:id/convert', { id: '2' }));
    expect(fp({ a: 1 })).not.toBe(fp({ a: 1 }, '/api/contacts'));
  });

  it('each caller has their own lock per key (a signed 64-bit number)', () => {
    const id = lockIdOf('user-1', 'key');
    expect(BigInt(id)).toBeGreaterThanOrEqual(-(2n ** 63n));
    expect(BigInt(id)).toBeLessThan(2n ** 63n);
    expect(lockIdOf('user-1', 'key')).toBe(id);
    expect(lockIdOf('user-2', 'key')).not.toBe(id);
  });
});
