import { Injectable } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { ApiConfig } from '../config/api.config';

/** What our tokens carry: the user, when they were issued and when they expire. */
export interface TokenClaims {
  sub: string;
  iat: number;
  exp: number;
  /** The server-side session the token belongs to (auth/sessions.service.ts). */
  sid?: string;
}

/**
 * @nestjs/jwt set up for our tokens: HS256 only, one secret (JWT_SECRET), expiring after
 * JWT_TTL_SECONDS. `algorithms: ['HS256']` makes a token claiming `alg: none` (or any
 * other algorithm) refused rather than trusted.
 */
export const TokensJwtModule = JwtModule.registerAsync({
  inject: [ApiConfig],
  useFactory: (config: ApiConfig) => ({
    // A KeyObject made once: given the string, jsonwebtoken makes one on every sign and
    // verify, first trying it as a PEM public key (a throw), 20 % of crm-api's CPU on a
    // feed GET (profiled; A/B in docs/benchmarks.md).
    secret: createSecretKey(Buffer.from(config.JWT_SECRET)),
    signOptions: { algorithm: 'HS256', expiresIn: config.JWT_TTL_SECONDS },
    verifyOptions: { algorithms: ['HS256'] },
  }),
});

/** Signs and checks the bearer tokens of sessions. */
@Injectable()
export class Tokens {
  constructor(private readonly jwt: JwtService) {}

  /** A token for `subject` and its session, issued at `nowMs`, expiring JWT_TTL_SECONDS later. */
  sign(subject: string, sessionId?: string, nowMs = Date.now()): string {
    // jsonwebtoken takes an `iat` given in the payload as the time to count the expiry from.
    return this.jwt.sign({ sub: subject, ...(sessionId ? { sid: sessionId } : {}), iat: Math.floor(nowMs / 1000) });
  }

  /**
   * The claims of a valid, unexpired token; null for anything else. jsonwebtoken accepts a
   * token without `exp` (and any payload): ours always have one, so anything else is refused.
   */
  verify(token: string, nowMs = Date.now()): TokenClaims | null {
    let c: Partial<TokenClaims> | string;
    try {
      c = this.jwt.verify<Partial<TokenClaims>>(token, { clockTimestamp: Math.floor(nowMs / 1000) });
    } catch {
      return null; // malformed, bad signature, another algorithm, expired
    }
    if (!c || typeof c !== 'object' || typeof c.sub !== 'string' || typeof c.exp !== 'number' || typeof c.iat !== 'number') return null;
    return { sub: c.sub, iat: c.iat, exp: c.exp, ...(typeof c.sid === 'string' ? { sid: c.sid } : {}) };
  }
}
