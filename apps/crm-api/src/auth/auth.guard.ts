import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../common/domain-error';
import { ADMIN_ONLY } from './admin-only.decorator';
import { AuthService } from './auth.service';
import { IS_PUBLIC } from './public.decorator';

/**
 * Global: every route needs `Authorization: Bearer <token>` unless marked @Public().
 * Routes served outside Nest's controllers (the OpenAPI docs, static pages) never
 * reach a guard, so they are public by construction.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match) throw DomainError.unauthorized('send Authorization: Bearer <token> (from POST /api/auth/token/)');
    request.caller = await this.auth.authenticate(match[1]);

    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, targets) && request.caller.role !== 'admin') {
      throw DomainError.forbidden('only an admin may do this');
    }
    return true;
  }
}
