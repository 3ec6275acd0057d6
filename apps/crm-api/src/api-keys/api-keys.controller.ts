import { Body, Controller, Delete, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { RecordAnswers } from '../common/etag';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AdminOnly } from '../auth/admin-only.decorator';
import { listPage } from '../common/list-page';
import { ApiErrors, ApiListResponse, ApiNoContent, ApiZodBody, ApiZodQuery, ApiZodResponse } from '../common/openapi';
import { Ctx, RequestCtx } from '../common/request-context';
import { IdParam, ZodPipe } from '../common/zod.pipe';
import { ApiKeyListQuery, ApiKeyView, CreateApiKeyDto, CreatedApiKeyView, toApiKeyView } from './api-key.dto';
import { ApiKeysService } from './api-keys.service';

/** Keys for integrations: admins only (an API key needs the `admin` scope, and `write` to change anything). */
@ApiTags('api-keys')
@ApiBearerAuth()
@ApiErrors(401, 403)
@AdminOnly()
@RecordAnswers()
@Controller('api/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Get()
  @ApiOperation({ summary: 'API keys, newest first, revoked ones included (admin only); never their secrets' })
  @ApiZodQuery(ApiKeyListQuery)
  @ApiListResponse(ApiKeyView)
  @ApiErrors(400)
  async list(@Query(new ZodPipe(ApiKeyListQuery, 'query')) query: ApiKeyListQuery, @Req() request: FastifyRequest) {
    return listPage(request, await this.keys.list(query), toApiKeyView);
  }

  @Post()
  @ApiOperation({
    summary: 'Create an API key (admin only): the secret is in this answer and nowhere else',
    description: 'The key acts as a service user named after it: a sales rep, or an admin with the `admin` scope. At most API_KEYS_MAX active keys.',
  })
  @ApiZodBody(CreateApiKeyDto)
  @ApiZodResponse(201, CreatedApiKeyView)
  @ApiErrors(400, 409, 413, 415)
  async create(@Body(new ZodPipe(CreateApiKeyDto)) body: CreateApiKeyDto, @Ctx() ctx: RequestCtx) {
    const { key, secret } = await this.keys.create(body, ctx);
    return { ...toApiKeyView(key), secret };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContent('revoked: refused from the next request on, on every replica; its open streams end')
  @ApiOperation({ summary: 'Revoke an API key (admin only); revoking it again changes nothing' })
  @ApiErrors(400, 404)
  async revoke(@IdParam() id: string): Promise<void> {
    await this.keys.revoke(id);
  }
}
