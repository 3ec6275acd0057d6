import { Body, Controller, Get, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AdminOnly } from '../auth/admin-only.decorator';
import { ApiErrors, ApiListResponse, ApiZodBody, ApiZodQuery, ApiZodResponse } from '../common/openapi';
import { listPage } from '../common/list-page';
import { Caller, Ctx, CurrentUser, RequestCtx } from '../common/request-context';
import { IdParam, ZodPipe } from '../common/zod.pipe';
import { CreateUserDto, toUserNameView, toUserView, UserListQuery, UserView } from './user.dto';
import { Policy } from '../auth/policy';
import { DomainError } from '../common/domain-error';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@ApiErrors(401)
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
    if (!admin && query.role) throw DomainError.forbidden('only an admin may filter users by role');
    return listPage(request, await this.users.list(query), admin ? toUserView : toUserNameView);
  }

  @Post()
  @AdminOnly()
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

  @Get(':id')
  @ApiZodResponse(200, UserView)
  @ApiOperation({ summary: 'One user: every field for an admin (or the user themself), the id and name for anyone else' })
  @ApiErrors(400, 404)
  async get(@IdParam() id: string, @CurrentUser() caller: Caller) {
    const user = await this.users.get(id);
    return this.policy.managesUsers(caller) || caller.id === id ? toUserView(user) : toUserNameView(user);
  }
}
