import { createHmac } from 'node:crypto';
import { signJwt, verifyJwt } from './jwt';

describe('jwt', () => {
  const secret = 'test-secret';
  const now = Date.UTC(2026, 10, 27, 12);

  it('signs a token it then accepts, with the subject and expiry', () => {
    const token = signJwt('user-1', secret, 3600, now);
    expect(token.split('.')).toHaveLength(3);
    expect(verifyJwt(token, secret, now)).toEqual({ sub: 'user-1', iat: now / 1000, exp: now / 1000 + 3600 });
  });

  it('refuses an expired token', () => {
    const token = signJwt('user-1', secret, 60, now);
    expect(verifyJwt(token, secret, now + 59_000)).not.toBeNull();
    expect(verifyJwt(token, secret, now + 60_000)).toBeNull();
  });

  it('refuses another secret, a tampered payload and garbage', () => {
    const token = signJwt('user-1', secret, 3600, now);
    expect(verifyJwt(token, 'other', now)).toBeNull();
    const [h, , s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'admin', iat: 0, exp: 9e9 })).toString('base64url');
    expect(verifyJwt(`${h}.${forged}.${s}`, secret, now)).toBeNull();
    expect(verifyJwt('', secret, now)).toBeNull();
    expect(verifyJwt('a.b', secret, now)).toBeNull();
    expect(verifyJwt('a.b.c', secret, now)).toBeNull();
  });

  it('refuses alg none and other algorithms even when signed', () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'u', iat: 0, exp: 9e9 })).toString('base64url');
    for (const alg of ['none', 'HS512']) {
      const header = Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url');
      const sig = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
      expect(verifyJwt(`${header}.${payload}.${sig}`, secret, now)).toBeNull();
      expect(verifyJwt(`${header}.${payload}.`, secret, now)).toBeNull();
    }
  });
});
