import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Just enough JWT for our own tokens: HS256 only, signed and checked with one secret.
 * The header is checked to be exactly HS256, so a token claiming `alg: none` (or any
 * other algorithm) is refused rather than trusted.
 */
export interface TokenClaims {
  sub: string;
  iat: number;
  exp: number;
  /** The server-side session the token belongs to (auth/sessions.service.ts). */
  sid?: string;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function sign(input: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

export function signJwt(subject: string, secret: string, ttlSeconds: number, nowMs = Date.now(), sessionId?: string): string {
  const iat = Math.floor(nowMs / 1000);
  const claims: TokenClaims = { sub: subject, iat, exp: iat + ttlSeconds, ...(sessionId ? { sid: sessionId } : {}) };
  const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${sign(body, secret).toString('base64url')}`;
}

function decodePart(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}

/** The claims of a valid, unexpired token; null for anything else. */
export function verifyJwt(token: string, secret: string, nowMs = Date.now()): TokenClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) return null;
  const [header, payload, signature] = parts;
  const expected = sign(`${header}.${payload}`, secret);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const h = decodePart(header) as { alg?: unknown } | null;
  if (!h || h.alg !== 'HS256') return null;
  const c = decodePart(payload) as Partial<TokenClaims> | null;
  if (!c || typeof c.sub !== 'string' || typeof c.exp !== 'number' || typeof c.iat !== 'number') return null;
  if (c.exp <= Math.floor(nowMs / 1000)) return null;
  return { sub: c.sub, iat: c.iat, exp: c.exp, ...(typeof c.sid === 'string' ? { sid: c.sid } : {}) };
}
