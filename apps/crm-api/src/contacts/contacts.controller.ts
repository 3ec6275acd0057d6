import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Req } from '@nestjs/common';
import { RecordAnswers } from '../common/etag';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { listPage } from '../common/list-page';
import { ApiDeleted, ApiErrors, ApiIfMatch, ApiListResponse, ApiZodBody, ApiZodQuery, ApiZodResponse } from '../common/openapi';
import { Idempotent } from '../common/idempotency';
import { Caller, Ctx, CurrentUser, RequestCtx } from '../common/request-context';
import { IdParam, ZodPipe } from '../common/zod.pipe';
import { ContactListQuery, ContactView, CreateContactDto, toContactView, UpdateContactDto } from './contact.dto';
import { ContactsService } from './contacts.service';

@ApiTags('contacts')
@ApiBearerAuth()
@ApiErrors(401)
@RecordAnswers()
@Controller('api/contacts')
export class ContactsController {
  constructor(private readonly contacts: ContactsService) {}

  @Get()
  @ApiZodQuery(ContactListQuery)
  @ApiListResponse(ContactView)
  @ApiErrors(400)
  async list(@Query(new ZodPipe(ContactListQuery, 'query')) query: ContactListQuery, @Req() request: FastifyRequest, @CurrentUser() caller: Caller) {
    return listPage(request, await this.contacts.list(query, caller), toContactView);
  }

  @Post()
  @Idempotent()
  @ApiZodBody(CreateContactDto)
  @ApiZodResponse(201, ContactView, 'created; emits contact.created')
  @ApiErrors(400, 413, 415)
  async create(@Body(new ZodPipe(CreateContactDto)) body: CreateContactDto, @Ctx() ctx: RequestCtx) {
    return toContactView(await this.contacts.create(body, ctx));
  }

  @Get(':id')
  @ApiZodResponse(200, ContactView)
  @ApiErrors(400, 404)
  async get(@IdParam() id: string, @CurrentUser() caller: Caller) {
    return toContactView(await this.contacts.get(id, caller));
  }

  @Patch(':id')
  @ApiIfMatch()
  @ApiZodBody(UpdateContactDto)
  @ApiZodResponse(200, ContactView)
  @ApiErrors(400, 403, 404, 413, 415)
  async update(@IdParam() id: string, @Body(new ZodPipe(UpdateContactDto)) body: UpdateContactDto, @Ctx() ctx: RequestCtx) {
    return toContactView(await this.contacts.update(id, body, ctx));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDeleted()
  @ApiErrors(400, 403, 404)
  async remove(@IdParam() id: string, @Ctx() ctx: RequestCtx): Promise<void> {
    await this.contacts.remove(id, ctx);
  }
}
