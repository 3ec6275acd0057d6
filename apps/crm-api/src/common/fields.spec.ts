import { z } from 'zod';
import { DateOnly, Instant, MoneyInput, OptionalEmail, OptionalText } from './fields';

describe('MoneyInput (money at the boundary)', () => {
  const ok = (v: unknown) => MoneyInput.parse(v);
  const bad = (v: unknown) => expect(MoneyInput.safeParse(v).success).toBe(false);

  it('takes numbers and strings, answering two places', () => {
    expect(ok(50000)).toBe('50000.00');
    expect(ok('50000')).toBe('50000.00');
    expect(ok(1234.5)).toBe('1234.50');
    expect(ok('0.1')).toBe('0.10');
    expect(ok(0)).toBe('0.00');
    expect(ok(' 12.34 ')).toBe('12.34');
    expect(ok('9999999999999.99')).toBe('9999999999999.99');
  });

  it('refuses what would need rounding or is not money', () => {
    bad(0.1 + 0.2); // 0.30000000000000004: never rounded silently
    bad('1.234');
    bad(-1);
    bad('-1.00');
    bad('10000000000000'); // 14 integer digits
    bad(1e21);
    bad('1e3');
    bad('abc');
    bad('');
    bad(Infinity);
    bad(NaN);
    bad(true);
    bad(null);
  });
});

describe('OptionalText and OptionalEmail', () => {
  const s = z.strictObject({ company: OptionalText(), email: OptionalEmail });

  it('stores blank as null and trims', () => {
    expect(s.parse({ company: '  ', email: '' })).toEqual({ company: null, email: null });
    expect(s.parse({ company: ' ACME ' })).toEqual({ company: 'ACME' });
  });

  it('lower-cases emails and refuses malformed ones', () => {
    expect(s.parse({ email: 'John@Example.COM' })).toEqual({ email: 'john@example.com' });
    expect(s.safeParse({ email: 'nope' }).success).toBe(false);
  });

  it('refuses text PostgreSQL cannot store', () => {
    expect(s.safeParse({ company: 'a\u0000b' }).success).toBe(false);
    expect(s.safeParse({ company: 'a\ud800b' }).success).toBe(false);
    expect(s.parse({ company: 'smile 😀' })).toEqual({ company: 'smile 😀' });
  });

  it('refuses text over the limit', () => {
    expect(s.safeParse({ company: 'x'.repeat(256) }).success).toBe(false);
  });
});

describe('DateOnly and Instant', () => {
  it('refuse year 0000, which PostgreSQL does not have, and take year 0001 on', () => {
    expect(DateOnly.safeParse('0000-01-01').success).toBe(false);
    expect(Instant.safeParse('0000-06-01T00:00:00Z').success).toBe(false);
    expect(Instant.safeParse('0001-01-01T00:30:00+01:00').success).toBe(false); // 0000-12-31 in UTC
    expect(DateOnly.parse('0001-01-01')).toBe('0001-01-01');
    expect(Instant.parse('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00Z');
  });
});
