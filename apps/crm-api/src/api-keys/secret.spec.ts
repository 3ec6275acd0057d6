import { createHash } from 'node:crypto';
import { CreateApiKeyDto } from './api-key.dto';
import { normalizeScopes, roleOf } from './scopes';
import { hashSecret, hintOf, KEY_SHAPE, newSecret } from './secret';

describe('API key secrets and scopes', () => {
  it('a secret is crmk_ and 43 base64url characters, new each time; its hash is its SHA-256; its hint shows 4 + 4 characters', () => {
    const a = newSecret();
    expect(a).toMatch(KEY_SHAPE);
    expect(newSecret()).not.toBe(a);
    expect(hashSecret(a)).toBe(createHash('sha256').update(a).digest('hex'));
    expect(hintOf(a)).toEqual({ prefix: a.slice(0, 9), last4: a.slice(-4) });
    expect(KEY_SHAPE.test('crmk_x')).toBe(false);
  });

  it('every key reads; admin makes an admin, else a sales rep', () => {
    expect(normalizeScopes(['write'])).toEqual(['read', 'write']);
    expect(normalizeScopes(['admin', 'read'])).toEqual(['read', 'admin']);
    expect(roleOf(normalizeScopes(['write']))).toBe('sales_rep');
    expect(roleOf(normalizeScopes(['admin']))).toBe('admin');
  });

  it('a creation names a bad field', () => {
    const issues = (body: unknown) => (CreateApiKeyDto.safeParse(body).error?.issues ?? []).map((i) => i.path.join('.'));
    expect(issues({ name: 'Web form', scopes: ['read'] })).toEqual([]);
    expect(issues({ scopes: ['read'] })).toEqual(['name']);
    expect(issues({ name: 'x'.repeat(101), scopes: ['read'] })).toEqual(['name']);
    expect(issues({ name: 'Web form', scopes: [] })).toEqual(['scopes']);
    expect(issues({ name: 'Web form', scopes: ['root'] })).toEqual(['scopes.0']);
    expect(issues({ name: 'Web form', scopes: ['read', 'read'] })).toEqual(['scopes']);
  });
});
