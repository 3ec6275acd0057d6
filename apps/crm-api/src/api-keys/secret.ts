import { createHash, randomBytes } from 'node:crypto';

export const KEY_PREFIX = 'crmk_';
/** `crmk_` and 32 random bytes in base64url (43 characters): anything else is not a key of ours. */
export const KEY_SHAPE = /^crmk_[A-Za-z0-9_-]{43}$/;

export const looksLikeKey = (token: string) => token.startsWith(KEY_PREFIX);

/** A new secret, shown once; 256 bits of entropy. */
export function newSecret(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * What is stored and looked up: SHA-256, not a slow password hash. A slow hash only
 * protects guessable secrets; 256 random bits cannot be brute-forced from a leaked hash,
 * and a fast hash lets every request find its key with one indexed lookup (as GitHub's
 * and Stripe's tokens do).
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** What a list shows of a key: `crmk_AbCd` and the last 4 characters. */
export function hintOf(secret: string): { prefix: string; last4: string } {
  return { prefix: secret.slice(0, KEY_PREFIX.length + 4), last4: secret.slice(-4) };
}
