import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Uuid } from '@app/contracts';
import { parseIfMatch } from './etag';

export const ROLES = ['admin', 'manager', 'sales_rep'] as const;
export type Role = (typeof ROLES)[number];

/** The authenticated user a request acts for, as the auth guard found it. */
export interface Caller {
  id: string;
  name: string;
  email: string;
  role: Role;
  /** `user`: a person's session token; `api_key`: an integration's key (its service user is `id`). */
  kind: 'user' | 'api_key';
  /** The session the request's token belongs to, and when it ends (a key has neither). */
  sessionId?: string;
  expiresAt?: Date;
  /** For a key: its id and scopes (api-keys/scopes.ts). */
  apiKeyId?: string;
  scopes?: readonly string[];
}

/** What every write needs besides its input: who acts, and the id shared by its events. */
export interface RequestCtx {
  caller: Caller;
  correlationId: string;
  /** The tags of If-Match (a PATCH applies only while the record still has one), or undefined. */
  ifMatch?: string[] | '*';
}

declare module 'fastify' {
  interface FastifyRequest {
    correlationId: string;
    caller?: Caller;
    /** PUBLIC_URL, for links in answers (never the Host header). */
    publicUrl?: string;
  }
}

/**
 * A client's X-Correlation-Id is kept when it is a UUID by the events' own schema (an
 * id the contract refuses would send every event of the request to the dead letters),
 * else a new one is made.
 */
export function correlationIdFrom(header: string | string[] | undefined): string {
  const value = (Array.isArray(header) ? header[0] : header)?.trim().toLowerCase();
  return value && Uuid.safeParse(value).success ? value : randomUUID();
}

function callerOf(request: FastifyRequest): Caller {
  // Only reachable on a route the guard let through, which always sets it.
  if (!request.caller) throw new Error('no caller on an authenticated route');
  return request.caller;
}

export const Ctx = createParamDecorator((_: unknown, context: ExecutionContext): RequestCtx => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  return { caller: callerOf(request), correlationId: request.correlationId, ifMatch: parseIfMatch(request.headers['if-match']) };
});

export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  return callerOf(context.switchToHttp().getRequest<FastifyRequest>());
});

/** The Actor of an event: who did it, as the contracts want it, and whether a person or a key. */
export const actorOf = (ctx: RequestCtx) => ({ id: ctx.caller.id, name: ctx.caller.name, kind: ctx.caller.kind });
