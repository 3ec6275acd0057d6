/**
 * The one JSON body parser. Errors name the problem the way the rest of the API does
 * ("body: ..."), and keys that could poison a prototype when a body is later spread or
 * merged are refused outright, as Fastify's default parser does, but with a message
 * that says so rather than "not valid JSON".
 */
import { DomainError } from './domain-error';

/** A 400 through the one exception filter; statusCode also for Fastify, which sees it first. */
export class BodyError extends DomainError {
  readonly statusCode = 400;
  constructor(message: string) {
    super('invalid', message);
  }
}

const FORBIDDEN = new Set(['__proto__']);

/**
 * What a body must contain for one of its keys to be `__proto__` or `constructor`: the
 * word itself, or a \u escape (which could spell it). Without any of them, JSON.parse
 * runs without the reviver, which is called for every value and made parsing several
 * times slower.
 */
const MAY_POISON = /__proto__|constructor|\\u/;

export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new BodyError('body: empty, but the content type is application/json');
  try {
    if (!MAY_POISON.test(text)) return JSON.parse(text);
    return JSON.parse(text, function (key: string, value: unknown) {
      if (FORBIDDEN.has(key) || (key === 'constructor' && value !== null && typeof value === 'object' && 'prototype' in value))
        throw new BodyError(`body: the key "${key}" is not allowed`);
      return value;
    });
  } catch (e) {
    if (e instanceof BodyError) throw e;
    throw new BodyError(`body: not valid JSON (${(e as Error).message})`);
  }
}
