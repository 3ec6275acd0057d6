import { createHmac } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { ApiConfig } from '../config/api.config';
import { Tokens, TokensJwtModule } from './tokens';

/** Tokens as crm-api builds them (TokensJwtModule), with this secret and lifetime. */
async function tokens(secret: string, ttlSeconds: number): Promise<Tokens> {
  const config = Object.assign(new ApiConfig(), { JWT_SECRET: secret, JWT_TTL_SECONDS: ttlSeconds });
  const module = await Test.createTestingModule({
    imports: [{ module: class Config {}, global: true, providers: [{ provide: ApiConfig, useValue: config }], exports: [ApiConfig] }, TokensJwtModule],
    providers: [Tokens],
  }).compile();
  return module.get(Tokens);
}

describe('tokens (@nestjs/jwt)', () => {
  const secret = 'test-secret';
  const now = Date.UTC(2026, 10, 27, 12);

  it('signs a token it then accepts, with the subject and expiry', async () => {
    const t = await tokens(secret, 3600);
    const token = t.sign('user-1', undefined, now);
    expect(token.split('.')).toHaveLength(3);
    expect(t.verify(token, now)).toEqual({ sub: 'user-1', iat: now / 1000, exp: now / 1000 + 3600 });
    expect(t.verify(t.sign('user-1', 'session-1', now), now)).toEqual({ sub: 'user-1', iat: now / 1000, exp: now / 1000 + 3600, sid: 'session-1' });
  });

  it('refuses an expired token', async () => {
    const t = await tokens(secret, 60);
    const token = t.sign('user-1', undefined, now);
    expect(t.verify(token, now + 59_000)).not.toBeNull();
    expect(t.verify(token, now + 60_000)).toBeNull();
  });

  it('a token checked once is remembered, but still refused from its expiry on', async () => {
    const t = await tokens(secret, 60);
    const token = t.sign('user-1', 'session-1', now);
    const claims = t.verify(token, now);
    expect(t.verify(token, now + 30_000)).toEqual(claims);
    expect(t.verify(token, now + 60_000)).toBeNull();
    expect(t.verify(token, now + 120_000)).toBeNull();
    // Forged tokens are not remembered as good, whatever came before.
    const [h, , s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'admin', sid: 'session-1', iat: 0, exp: 9e9 })).toString('base64url');
    expect(t.verify(`${h}.${forged}.${s}`, now)).toBeNull();
  });

  it('refuses another secret, a tampered payload and garbage', async () => {
    const t = await tokens(secret, 3600);
    const token = t.sign('user-1', undefined, now);
    expect((await tokens('other', 3600)).verify(token, now)).toBeNull();
    const [h, , s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'admin', iat: 0, exp: 9e9 })).toString('base64url');
    expect(t.verify(`${h}.${forged}.${s}`, now)).toBeNull();
    expect(t.verify('', now)).toBeNull();
    expect(t.verify('a.b', now)).toBeNull();
    expect(t.verify('a.b.c', now)).toBeNull();
  });

  it('refuses alg none and other algorithms even when signed', async () => {
    const t = await tokens(secret, 3600);
    const payload = Buffer.from(JSON.stringify({ sub: 'u', iat: 0, exp: 9e9 })).toString('base64url');
    for (const alg of ['none', 'HS512']) {
      const header = Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url');
      const sig = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
      expect(t.verify(`${header}.${payload}.${sig}`, now)).toBeNull();
      expect(t.verify(`${header}.${payload}.`, now)).toBeNull();
    }
  });

  it('refuses a token signed with the secret but without an expiry, or with claims of the wrong type', async () => {
    const t = await tokens(secret, 3600);
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const signed = (claims: object) => {
      const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return `${header}.${payload}.${createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')}`;
    };
    expect(t.verify(signed({ sub: 'u', iat: now / 1000, exp: now / 1000 + 60 }), now)).not.toBeNull(); // the control
    expect(t.verify(signed({ sub: 'u', iat: now / 1000 }), now)).toBeNull();
    expect(t.verify(signed({ sub: 1, iat: now / 1000, exp: now / 1000 + 60 }), now)).toBeNull();
    expect(t.verify(signed({ sub: 'u', exp: now / 1000 + 60 }), now)).toBeNull();
  });
});
