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

/** How many verified tokens are remembered (each a few hundred bytes); past it, the oldest is forgotten. */
const VERIFIED_KEPT = 1024;

/** Signs and checks the bearer tokens of sessions. */
@Injectable()
export class Tokens {
  /**
   * Tokens whose signature was found good, with their claims, until they expire. A client
   * sends the same token with every request, and a write had it checked twice (the body
   * check, then the guard): each check was jsonwebtoken's decode, HMAC and claim checks,
   * 5 % of crm-api's CPU per POST (profiled, docs/benchmarks.md). Only the signature check
   * is remembered, and it cannot change while the token is unexpired (one secret for the
   * process's life); the expiry is compared on every call, and the session behind the
   * token is still looked up on every request (the guard). Only good tokens are kept:
   * a flood of forged ones cannot fill it.
   */
  private readonly verified = new Map<string, Readonly<TokenClaims>>();

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
    const nowS = Math.floor(nowMs / 1000);
    const known = this.verified.get(token);
    if (known) {
      // jsonwebtoken's rule: expired from the second `exp` on.
      if (nowS < known.exp) return known;
      this.verified.delete(token);
      return null;
    }
    const checked = this.check(token, nowS);
    if (!checked) return null;
    // A "not before" makes the answer depend on the time in another way than the expiry:
    // ours never carry one, and such a token is checked again at every call.
    if (!checked.notBefore) {
      if (this.verified.size >= VERIFIED_KEPT) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, checked.claims);
    }
    return checked.claims;
  }

  private check(token: string, nowS: number): { claims: Readonly<TokenClaims>; notBefore: boolean } | null {
    let c: Partial<TokenClaims & { nbf: unknown }> | string;
    try {
      c = this.jwt.verify<Partial<TokenClaims & { nbf: unknown }>>(token, { clockTimestamp: nowS });
    } catch {
      return null; // malformed, bad signature, another algorithm, expired
    }
    if (!c || typeof c !== 'object' || typeof c.sub !== 'string' || typeof c.exp !== 'number' || typeof c.iat !== 'number') return null;
    const claims = Object.freeze({ sub: c.sub, iat: c.iat, exp: c.exp, ...(typeof c.sid === 'string' ? { sid: c.sid } : {}) });
    return { claims, notBefore: c.nbf !== undefined };
  }
}
