import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiErrors, ApiZodBody, ApiZodResponse } from '../common/openapi';
import { ZodPipe } from '../common/zod.pipe';
import { LoginDto, TokenView } from './auth.dto';
import { AuthService } from './auth.service';
import { Public } from './public.decorator';

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
}
