import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentUser } from '../common/request-context';
import type { FastifyRequest } from 'fastify';
import { ApiErrors, ApiNoContent, ApiZodBody, ApiZodResponse } from '../common/openapi';
import { ZodPipe } from '../common/zod.pipe';
import { LoginDto, TokenView } from './auth.dto';
import { AuthService } from './auth.service';
import { Public } from './public.decorator';
import { SessionOnly } from './session-only.decorator';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange email and password for a bearer token' })
  @ApiZodBody(LoginDto)
  @ApiZodResponse(200, TokenView)
  @ApiErrors(400, 401, 429)
  token(@Body(new ZodPipe(LoginDto)) body: LoginDto, @Req() request: FastifyRequest) {
    return this.auth.login(body.email, body.password, request.ip);
  }

  @Post('logout')
  @SessionOnly()
  @HttpCode(204)
  @ApiNoContent('the session ended')
  @ApiBearerAuth()
  @ApiOperation({ summary: "End the caller's session: its token is refused from now on on every replica, and its open streams end" })
  @ApiErrors(401, 403)
  async logout(@CurrentUser() caller: Caller): Promise<void> {
    await this.auth.logout(caller);
  }
}
