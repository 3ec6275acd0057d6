import { z } from 'zod';
import { DateOnly, Instant, MoneyInput, OptionalEmail, OptionalText, RequiredText } from './fields';

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

describe('text that would change how it is shown', () => {
  const s = z.strictObject({ name: RequiredText(), notes: OptionalText(10000) });
  const problems = (v: Record<string, unknown>) => {
    const r = s.safeParse({ name: 'x', ...v });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it.each([
    ['a newline', 'Bob\nLead converted: fake'],
    ['a carriage return', 'Bob\rX'],
    ['an ANSI escape', 'Bob\u001b[31mred'],
    ['a C1 control (CSI)', 'Bob\u009b31m'],
    ['DEL', 'Bob\u007f'],
    ['a right-to-left override', 'Bob\u202Egnp.exe'],
    ['an isolate', 'Bob\u2067x\u2069'],
    ['a line separator', 'Bob\u2028X'],
  ])('a name with %s is refused, naming the field', (_what, name) => {
    expect(problems({ name })).toEqual([expect.stringMatching(/^name: must not contain control characters/)]);
  });

  it('a long text keeps tabs and line breaks but not escapes or overrides', () => {
    expect(problems({ notes: 'line one\nline two\r\n\tindented' })).toEqual([]);
    expect(problems({ notes: 'x\u001b[2J' })).toEqual([expect.stringMatching(/^notes: must not contain control characters/)]);
    expect(problems({ notes: 'x\u202Ey' })).toEqual([expect.stringMatching(/^notes: /)]);
  });

  it('ordinary names pass: accents, scripts, emoji, right-to-left text without overrides', () => {
    for (const name of ['José Müller', '李小龙', 'Zoë 👩‍💻', 'שלום עליכם', "O'Brien & Sons, Ltd."]) expect(problems({ name })).toEqual([]);
  });
});
