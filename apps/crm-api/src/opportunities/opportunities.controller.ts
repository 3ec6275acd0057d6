import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Req } from '@nestjs/common';
import { RecordAnswers } from '../common/etag';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { listPage } from '../common/list-page';
import { ApiDeleted, ApiErrors, ApiIfMatch, ApiListResponse, ApiZodBody, ApiZodQuery, ApiZodResponse } from '../common/openapi';
import { Idempotent } from '../common/idempotency';
import { Caller, Ctx, CurrentUser, RequestCtx } from '../common/request-context';
import { IdParam, ZodPipe } from '../common/zod.pipe';
import { OpportunityListQuery, OpportunityView, CreateOpportunityDto, toOpportunityView, UpdateOpportunityDto } from './opportunity.dto';
import { OpportunitiesService } from './opportunities.service';

@ApiTags('opportunities')
@ApiBearerAuth()
@ApiErrors(401)
@RecordAnswers()
@Controller('api/opportunities')
export class OpportunitiesController {
  constructor(private readonly opportunities: OpportunitiesService) {}

  @Get()
  @ApiZodQuery(OpportunityListQuery)
  @ApiListResponse(OpportunityView)
  @ApiErrors(400)
  async list(@Query(new ZodPipe(OpportunityListQuery, 'query')) query: OpportunityListQuery, @Req() request: FastifyRequest, @CurrentUser() caller: Caller) {
    return listPage(request, await this.opportunities.list(query, caller), toOpportunityView);
  }

  @Post()
  @Idempotent()
  @ApiZodBody(CreateOpportunityDto)
  @ApiZodResponse(201, OpportunityView, 'created; emits opportunity.created')
  @ApiErrors(400, 413, 415)
  async create(@Body(new ZodPipe(CreateOpportunityDto)) body: CreateOpportunityDto, @Ctx() ctx: RequestCtx) {
    return toOpportunityView(await this.opportunities.create(body, ctx));
  }

  @Get(':id')
  @ApiZodResponse(200, OpportunityView)
  @ApiErrors(400, 404)
  async get(@IdParam() id: string, @CurrentUser() caller: Caller) {
    return toOpportunityView(await this.opportunities.get(id, caller));
  }

  @Patch(':id')
  @ApiIfMatch()
  @ApiZodBody(UpdateOpportunityDto)
  @ApiZodResponse(200, OpportunityView, 'updated; a real stage change emits opportunity.stage_changed, a new owner opportunity.reassigned')
  @ApiErrors(400, 403, 404, 413, 415)
  async update(@IdParam() id: string, @Body(new ZodPipe(UpdateOpportunityDto)) body: UpdateOpportunityDto, @Ctx() ctx: RequestCtx) {
    return toOpportunityView(await this.opportunities.update(id, body, ctx));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDeleted()
  @ApiErrors(400, 403, 404)
  async remove(@IdParam() id: string, @Ctx() ctx: RequestCtx): Promise<void> {
    await this.opportunities.remove(id, ctx);
  }
}
