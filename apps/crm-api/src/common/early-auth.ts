import type { FastifyInstance, FastifyRequest } from 'fastify';
import { looksLikeKey } from '../api-keys/secret';
import type { Caller } from './request-context';
import { errorBody } from './error-body';

/** The one route that takes a body without a token. */
export const SIGN_IN_PATH = '/api/auth/token';
/** Its body is an email and a password (at most 254 + 1024 characters): nothing more is read. */
export const SIGN_IN_BODY_LIMIT_BYTES = 8 * 1024;

const BEARER = /^Bearer\s+(\S+)\s*$/i;

function carriesBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * A body costs memory while it is read, so a request that carries one must show a token
 * signed by us and not yet expired before a byte of it is read: this runs in onRequest,
 * before the body parser, and answers 401 with `Connection: close`, so the unread body
 * is never buffered and the connection does not stay open for the rest of it. Whether
 * the token's user still exists, and what it may do, is still the guard's business:
 * this only checks the signature and expiry, which costs one HMAC and no I/O. Sign-in is
 * exempt, but its route reads at most SIGN_IN_BODY_LIMIT_BYTES.
 *
 * An API key (`crmk_…`) has no signature to check: it is looked up here (the one indexed
 * query the guard would make anyway) and the caller found is kept on the request, so the
 * guard does not ask twice.
 */
export function refuseAnonymousBodies(fastify: FastifyInstance, tokenValid: (token: string) => boolean, apiKey: (token: string) => Promise<Caller>): void {
  fastify.addHook('onRoute', (route) => {
    if (route.url.replace(/\/$/, '') === SIGN_IN_PATH) route.bodyLimit = SIGN_IN_BODY_LIMIT_BYTES;
  });

  fastify.addHook('onRequest', (request, reply, done) => {
    if (!carriesBody(request) || request.url.split('?')[0].replace(/\/$/, '') === SIGN_IN_PATH) return done();
    const match = BEARER.exec(request.headers.authorization ?? '');
    const refuse = (message: string) => void reply.code(401).header('WWW-Authenticate', 'Bearer').header('Connection', 'close').send(errorBody(401, message));
    if (match && looksLikeKey(match[1])) {
      apiKey(match[1]).then(
        (caller) => {
          request.caller = caller;
          done();
        },
        // The database failing is not the client's fault: the guard asks again and answers 503.
        (e: Error) => (e.name === 'DomainError' ? refuse(e.message) : done()),
      );
      return;
    }
    if (match && tokenValid(match[1])) return done();
    refuse(match ? 'invalid or expired token' : 'send Authorization: Bearer <token> (from POST /api/auth/token/)');
  });
}
