import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../common/domain-error';
import { ADMIN_ONLY } from './admin-only.decorator';
import { AuthService } from './auth.service';
import { IS_PUBLIC } from './public.decorator';
import { SESSION_ONLY } from './session-only.decorator';

/** The methods a key without the `write` scope may use. */
const READS = new Set(['GET', 'HEAD']);

/** What the guard reads of a route's metadata (its decorators): fixed once the app is built. */
interface RouteRules {
  isPublic: boolean;
  adminOnly: boolean;
  sessionOnly: boolean;
}

/**
 * Global: every route needs `Authorization: Bearer <token>` (a session's token or an API
 * key, `crmk_…`) unless marked @Public().
 * Routes served outside Nest's controllers (the OpenAPI docs, static pages) never
 * reach a guard, so they are public by construction.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  /**
   * Each route's rules, by controller class and handler: read through the Reflector on a
   * route's first request only (every request walked the metadata of the handler, its
   * class and their prototypes, twice or three times).
   */
  private readonly rules = new WeakMap<object, WeakMap<object, RouteRules>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rules = this.rulesOf(context.getClass(), context.getHandler());
    if (rules.isPublic) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match) throw DomainError.unauthorized('send Authorization: Bearer <token> (from POST /api/auth/token/)');
    // A key may already have been looked up by the body check (common/early-auth.ts).
    request.caller ??= await this.auth.authenticate(match[1]);
    if (request.caller.kind === 'api_key') this.checkKey(request, rules);

    if (rules.adminOnly && request.caller.role !== 'admin') {
      throw DomainError.forbidden(request.caller.kind === 'api_key' ? 'only an admin may do this: this API key has no `admin` scope' : 'only an admin may do this');
    }
    return true;
  }

  private rulesOf(controller: object, handler: object): RouteRules {
    let byHandler = this.rules.get(controller);
    if (!byHandler) this.rules.set(controller, (byHandler = new WeakMap()));
    let rules = byHandler.get(handler);
    if (!rules) {
      const targets = [handler, controller] as Parameters<Reflector['getAllAndOverride']>[1];
      const flag = (key: string) => Boolean(this.reflector.getAllAndOverride<boolean | undefined>(key, targets));
      rules = { isPublic: flag(IS_PUBLIC), adminOnly: flag(ADMIN_ONLY), sessionOnly: flag(SESSION_ONLY) };
      byHandler.set(handler, rules);
    }
    return rules;
  }

  /** What a key's scopes and nature allow beyond its role (api-keys/scopes.ts). */
  private checkKey(request: FastifyRequest, rules: RouteRules): void {
    if (rules.sessionOnly) {
      throw DomainError.forbidden('an API key has no session or password of its own: an admin revokes it with DELETE /api/api-keys/{id}/');
    }
    if (!READS.has(request.method) && !request.caller?.scopes?.includes('write')) {
      throw DomainError.forbidden(`this API key lacks the \`write\` scope: ${request.method} needs it (its scopes: ${request.caller?.scopes?.join(', ')})`);
    }
  }
}
