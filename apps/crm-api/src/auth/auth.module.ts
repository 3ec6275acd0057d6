import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeysRepository } from '../api-keys/api-keys.repository';
import { ApiKeyAuth } from './api-key-auth';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { CredentialsRepository } from './credentials.repository';
import { LoginFailuresRepository } from './login-failures.repository';
import { LoginLimiter } from './login-limiter';
import { SessionsListener } from './sessions.listener';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { SIGN_IN_SLOTS } from './sign-in-slots';
import { Tokens, TokensJwtModule } from './tokens';

/** Sign-in, sessions and API-key callers; ApiKeysRepository lives here because every request's key check needs it. */
@Module({
  imports: [TokensJwtModule],
  controllers: [AuthController],
  providers: [
    AuthService,
    SessionsService,
    ApiKeyAuth,
    LoginLimiter,
    SIGN_IN_SLOTS,
    SessionsListener,
    SessionsRepository,
    LoginFailuresRepository,
    CredentialsRepository,
    ApiKeysRepository,
    Tokens,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuthService, SessionsService, ApiKeyAuth, ApiKeysRepository, Tokens],
})
export class AuthModule {}
