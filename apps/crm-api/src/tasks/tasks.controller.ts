import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Req } from '@nestjs/common';
import { RecordAnswers } from '../common/etag';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { listPage } from '../common/list-page';
import { ApiDeleted, ApiErrors, ApiIfMatch, ApiListResponse, ApiZodBody, ApiZodQuery, ApiZodResponse } from '../common/openapi';
import { Idempotent } from '../common/idempotency';
import { Caller, Ctx, CurrentUser, RequestCtx } from '../common/request-context';
import { IdParam, ZodPipe } from '../common/zod.pipe';
import { CreateTaskDto, MarkCompletedDto, TaskListQuery, TaskView, toTaskView, UpdateTaskDto } from './task.dto';
import { TasksService } from './tasks.service';

@ApiTags('tasks')
@ApiBearerAuth()
@ApiErrors(401)
@RecordAnswers()
@Controller('api/tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get()
  @ApiZodQuery(TaskListQuery)
  @ApiListResponse(TaskView)
  @ApiErrors(400)
  async list(@Query(new ZodPipe(TaskListQuery, 'query')) query: TaskListQuery, @Req() request: FastifyRequest, @CurrentUser() caller: Caller) {
    return listPage(request, await this.tasks.list(query, caller), toTaskView);
  }

  @Post()
  @Idempotent()
  @ApiZodBody(CreateTaskDto)
  @ApiZodResponse(201, TaskView, 'created (a task created completed emits task.completed)')
  @ApiErrors(400, 413, 415)
  async create(@Body(new ZodPipe(CreateTaskDto)) body: CreateTaskDto, @Ctx() ctx: RequestCtx) {
    return toTaskView(await this.tasks.create(body, ctx));
  }

  @Get(':id')
  @ApiZodResponse(200, TaskView)
  @ApiErrors(400, 404)
  async get(@IdParam() id: string, @CurrentUser() caller: Caller) {
    return toTaskView(await this.tasks.get(id, caller));
  }

  @Patch(':id')
  @ApiIfMatch()
  @ApiZodBody(UpdateTaskDto)
  @ApiZodResponse(200, TaskView, 'updated; a move to completed emits task.completed, a new assignee task.reassigned')
  @ApiErrors(400, 403, 404, 413, 415)
  async update(@IdParam() id: string, @Body(new ZodPipe(UpdateTaskDto)) body: UpdateTaskDto, @Ctx() ctx: RequestCtx) {
    return toTaskView(await this.tasks.update(id, body, ctx));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiDeleted()
  @ApiErrors(400, 403, 404)
  async remove(@IdParam() id: string, @Ctx() ctx: RequestCtx): Promise<void> {
    await this.tasks.remove(id, ctx);
  }

  @Post(':id/mark_completed')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Complete a pending task; emits task.completed', description: "Notes, when given, replace the task's notes." })
  @ApiZodBody(MarkCompletedDto, false)
  @ApiZodResponse(200, TaskView)
  @ApiErrors(400, 403, 404, 409, 413, 415)
  async markCompleted(@IdParam() id: string, @Body(new ZodPipe(MarkCompletedDto)) body: MarkCompletedDto, @Ctx() ctx: RequestCtx) {
    return toTaskView(await this.tasks.markCompleted(id, body, ctx));
  }
}
