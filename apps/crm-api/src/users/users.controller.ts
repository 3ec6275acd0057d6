import { Body, Controller, Get, HttpCode, Patch, Post, Query, Req } from '@nestjs/common';
import { RecordAnswers } from '../common/etag';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AdminOnly } from '../auth/admin-only.decorator';
import { SessionOnly } from '../auth/session-only.decorator';
import { ApiErrors, ApiListResponse, ApiNoContent, ApiZodBody, ApiZodQuery, ApiZodResponse } from '../common/openapi';
import { Idempotent } from '../common/idempotency';
import { listPage } from '../common/list-page';
import { Caller, Ctx, CurrentUser, RequestCtx } from '../common/request-context';
import { IdParam, ZodPipe } from '../common/zod.pipe';
import { ChangePasswordDto, CreateUserDto, ResetPasswordDto, UpdateUserDto, toUserNameView, toUserView, UserListQuery, UserView } from './user.dto';
import { Policy } from '../auth/policy';
import { DomainError } from '../common/domain-error';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@ApiErrors(401)
@RecordAnswers()
@Controller('api/users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly policy: Policy,
  ) {}

  @Get()
  @ApiZodQuery(UserListQuery)
  @ApiListResponse(UserView)
  @ApiErrors(400)
  @ApiOperation({ summary: 'Users: an admin sees every field; anyone else only ids and names (no email, no role)' })
  async list(@Query(new ZodPipe(UserListQuery, 'query')) query: UserListQuery, @Req() request: FastifyRequest, @CurrentUser() caller: Caller) {
    const admin = this.policy.managesUsers(caller);
    if (!admin && (query.role || query.kind)) throw DomainError.forbidden('only an admin may filter users by role or kind');
    return listPage(request, await this.users.list(query), admin ? toUserView : toUserNameView);
  }

  @Post()
  @AdminOnly()
  @Idempotent()
  @ApiOperation({ summary: 'Create a user (admin only)' })
  @ApiZodBody(CreateUserDto)
  @ApiZodResponse(201, UserView)
  @ApiErrors(400, 403, 409)
  async create(@Body(new ZodPipe(CreateUserDto)) body: CreateUserDto, @Ctx() ctx: RequestCtx) {
    return toUserView(await this.users.create(body, ctx));
  }

  @Get('me')
  @ApiOperation({ summary: 'The caller' })
  @ApiZodResponse(200, UserView)
  async me(@CurrentUser() caller: Caller) {
    return toUserView(await this.users.get(caller.id));
  }

  @Post('me/password')
  @SessionOnly()
  @HttpCode(204)
  @ApiNoContent('password changed')
  @ApiOperation({ summary: "Change one's own password (the current one is required); every other session of the caller ends" })
  @ApiZodBody(ChangePasswordDto)
  @ApiErrors(400, 403)
  async changeOwnPassword(@Body(new ZodPipe(ChangePasswordDto)) body: ChangePasswordDto, @CurrentUser() caller: Caller): Promise<void> {
    await this.users.changeOwnPassword(caller, body);
  }

  @Patch(':id')
  @AdminOnly()
  @ApiOperation({ summary: "Change a user's role or disable them (admin only): at once, on every replica; disabling ends their sessions" })
  @ApiZodBody(UpdateUserDto)
  @ApiZodResponse(200, UserView)
  @ApiErrors(400, 403, 404, 409)
  async update(@IdParam() id: string, @Body(new ZodPipe(UpdateUserDto)) body: UpdateUserDto, @Ctx() ctx: RequestCtx) {
    return toUserView(await this.users.update(id, body, ctx));
  }

  @Post(':id/password')
  @AdminOnly()
  @HttpCode(204)
  @ApiNoContent('password reset')
  @ApiOperation({ summary: "Reset a user's password (admin only): every session of that user ends" })
  @ApiZodBody(ResetPasswordDto)
  @ApiErrors(400, 403, 404)
  async resetPassword(@IdParam() id: string, @Body(new ZodPipe(ResetPasswordDto)) body: ResetPasswordDto): Promise<void> {
    await this.users.resetPassword(id, body);
  }

  @Get(':id')
  @ApiZodResponse(200, UserView)
  @ApiOperation({ summary: 'One user: every field for an admin (or the user themself), the id and name for anyone else' })
  @ApiErrors(400, 404)
  async get(@IdParam() id: string, @CurrentUser() caller: Caller) {
    const user = await this.users.get(id);
    return this.policy.managesUsers(caller) || caller.id === id ? toUserView(user) : toUserNameView(user);
  }
}
