import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Req } from '@nestjs/common';
import { RecordAnswers } from '../common/etag';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { listPage } from '../common/list-page';
import { ApiDeleted, ApiErrors, ApiIfMatch, ApiListResponse, ApiZodBody, ApiZodQuery, ApiZodResponse } from '../common/openapi';
import { Idempotent } from '../common/idempotency';
import { Caller, Ctx, CurrentUser, RequestCtx } from '../common/request-context';
import { IdParam, ZodPipe } from '../common/zod.pipe';
import { QuoteListQuery, QuoteView, CreateQuoteDto, toQuoteView, UpdateQuoteDto } from './quote.dto';
import { QuotesService } from './quotes.service';

@ApiTags('quotes')
@ApiBearerAuth()
@ApiErrors(401)
@RecordAnswers()
@Controller('api/quotes')
export class QuotesController {
  constructor(private readonly quotes: QuotesService) {}

  @Get()
  @ApiZodQuery(QuoteListQuery)
  @ApiListResponse(QuoteView)
  @ApiErrors(400)
  async list(@Query(new ZodPipe(QuoteListQuery, 'query')) query: QuoteListQuery, @Req() request: FastifyRequest, @CurrentUser() caller: Caller) {
    return listPage(request, await this.quotes.list(query, caller), toQuoteView);
  }

  @Post()
  @Idempotent()
  @ApiZodBody(CreateQuoteDto)
  @ApiZodResponse(201, QuoteView, 'created; emits quote.created')
  @ApiErrors(400, 403, 404, 413, 415)
  async create(@Body(new ZodPipe(CreateQuoteDto)) body: CreateQuoteDto, @Ctx() ctx: RequestCtx) {
    return toQuoteView(await this.quotes.create(body, ctx));
  }

  @Get(':id')
  @ApiZodResponse(200, QuoteView)
  @ApiErrors(400, 404)
  async get(@IdParam() id: string, @CurrentUser() caller: Caller) {
    return toQuoteView(await this.quotes.get(id, caller));
  }

  @Patch(':id')
  @ApiIfMatch()
  @ApiZodBody(UpdateQuoteDto)
  @ApiZodResponse(200, QuoteView)
  @ApiErrors(400, 403, 404, 413, 415)
  async update(@IdParam() id: string, @Body(new ZodPipe(UpdateQuoteDto)) body: UpdateQuoteDto, @Ctx() ctx: RequestCtx) {
    return toQuoteView(await this.quotes.update(id, body, ctx));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDeleted()
  @ApiErrors(400, 403, 404)
  async remove(@IdParam() id: string, @Ctx() ctx: RequestCtx): Promise<void> {
    await this.quotes.remove(id, ctx);
  }
}
