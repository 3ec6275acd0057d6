import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Req } from '@nestjs/common';
import { RecordAnswers } from '../common/etag';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ContactView, toContactView } from '../contacts/contact.dto';
import { listPage } from '../common/list-page';
import { ApiDeleted, ApiErrors, ApiIfMatch, ApiListResponse, ApiZodBody, ApiZodQuery, ApiZodResponse } from '../common/openapi';
import { Idempotent } from '../common/idempotency';
import { Caller, Ctx, CurrentUser, RequestCtx } from '../common/request-context';
import { IdParam, ZodPipe } from '../common/zod.pipe';
import { OpportunityView, toOpportunityView } from '../opportunities/opportunity.dto';
import { ConvertLeadDto, CreateLeadDto, LeadListQuery, LeadView, toLeadView, UpdateLeadDto } from './lead.dto';
import { LeadsService } from './leads.service';

const ConversionView = z.object({ lead: LeadView, contact: ContactView, opportunity: OpportunityView });

@ApiTags('leads')
@ApiBearerAuth()
@ApiErrors(401)
@RecordAnswers()
@Controller('api/leads')
export class LeadsController {
  constructor(private readonly leads: LeadsService) {}

  @Get()
  @ApiZodQuery(LeadListQuery)
  @ApiListResponse(LeadView)
  @ApiErrors(400)
  async list(@Query(new ZodPipe(LeadListQuery, 'query')) query: LeadListQuery, @Req() request: FastifyRequest, @CurrentUser() caller: Caller) {
    return listPage(request, await this.leads.list(query, caller), toLeadView);
  }

  @Post()
  @Idempotent()
  @ApiZodBody(CreateLeadDto)
  @ApiZodResponse(201, LeadView, 'created; emits lead.created')
  @ApiErrors(400, 413, 415)
  async create(@Body(new ZodPipe(CreateLeadDto)) body: CreateLeadDto, @Ctx() ctx: RequestCtx) {
    return toLeadView(await this.leads.create(body, ctx));
  }

  @Get(':id')
  @ApiZodResponse(200, LeadView)
  @ApiErrors(400, 404)
  async get(@IdParam() id: string, @CurrentUser() caller: Caller) {
    return toLeadView(await this.leads.get(id, caller));
  }

  @Patch(':id')
  @ApiIfMatch()
  @ApiZodBody(UpdateLeadDto)
  @ApiZodResponse(200, LeadView, 'updated; a real status change emits lead.status_changed, a new assignee lead.reassigned')
  @ApiErrors(400, 403, 404, 413, 415)
  async update(@IdParam() id: string, @Body(new ZodPipe(UpdateLeadDto)) body: UpdateLeadDto, @Ctx() ctx: RequestCtx) {
    return toLeadView(await this.leads.update(id, body, ctx));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDeleted()
  @ApiErrors(400, 403, 404)
  async remove(@IdParam() id: string, @Ctx() ctx: RequestCtx): Promise<void> {
    await this.leads.remove(id, ctx);
  }

  @Post(':id/convert')
  @Idempotent()
  @ApiOperation({
    summary: 'Convert a lead: a contact from the lead, an opportunity linked to both, the lead converted; one transaction',
    description: 'Emits contact.created, opportunity.created, lead.status_changed and lead.converted with one correlation id.',
  })
  @ApiZodBody(ConvertLeadDto)
  @ApiZodResponse(201, ConversionView)
  @ApiErrors(400, 403, 404, 409, 413, 415)
  async convert(@IdParam() id: string, @Body(new ZodPipe(ConvertLeadDto)) body: ConvertLeadDto, @Ctx() ctx: RequestCtx) {
    const { lead, contact, opportunity } = await this.leads.convert(id, body, ctx);
    return { lead: toLeadView(lead), contact: toContactView(contact), opportunity: toOpportunityView(opportunity) };
  }
}
