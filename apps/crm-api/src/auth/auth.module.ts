import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyAuth } from './api-key-auth';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { SessionsService } from './sessions.service';
import { Tokens, TokensJwtModule } from './tokens';

@Module({
  imports: [TokensJwtModule],
  controllers: [AuthController],
  providers: [AuthService, SessionsService, ApiKeyAuth, Tokens, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuthService, SessionsService, ApiKeyAuth, Tokens],
})
export class AuthModule {}
