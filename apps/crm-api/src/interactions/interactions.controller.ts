import { applyDecorators, Body, Controller, createParamDecorator, ExecutionContext, Post } from '@nestjs/common';
import { RecordAnswers } from '../common/etag';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { afterCommit, Idempotent } from '../common/idempotency';
import { ApiErrors, ApiZodBody, ApiZodResponse } from '../common/openapi';
import { Ctx, RequestCtx } from '../common/request-context';
import { IdParam, ZodPipe } from '../common/zod.pipe';
import { InteractionLogView, LogInteractionDto, PendingLogView } from './interaction.dto';
import { InteractionsService, LoggedRecord } from './interactions.service';
import { preferredWait } from './prefer-wait';

const body = new ZodPipe(LogInteractionDto);

/** One `log_interaction` route: `POST api/<records>/:id/log_interaction`, idempotent, with its body and summary. */
const LogInteraction = (records: string, about: string) =>
  applyDecorators(
    Post(`${records}/:id/log_interaction`),
    Idempotent(),
    ApiZodBody(LogInteractionDto),
    ApiOperation({ summary: `Log a call, email, meeting or note about ${about}` }),
  );

/** What the handler reads and answers besides the id and body: the Prefer header, the request, the reply (Nest still sends the answer). */
interface HttpExchange {
  prefer: string | string[] | undefined;
  request: FastifyRequest;
  reply: FastifyReply;
}
const Http = createParamDecorator((_: unknown, context: ExecutionContext): HttpExchange => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  return { prefer: request.headers.prefer, request, reply: context.switchToHttp().getResponse<FastifyReply>() };
});

/** The three `log_interaction` actions of the original app, one handler behind them. */
@ApiTags('interactions')
@ApiBearerAuth()
@ApiErrors(400, 401, 403, 404, 413, 415)
@ApiHeader({ name: 'Prefer', required: false, description: 'wait=N (N ≤ 10): answer 201 with the written log if it exists within N seconds' })
@ApiZodResponse(202, PendingLogView, 'accepted: the log to be, with its id; Location names it')
@ApiZodResponse(201, InteractionLogView, 'with Prefer: wait=N, the written log')
@RecordAnswers()
@Controller('api')
export class InteractionsController {
  constructor(private readonly interactions: InteractionsService) {}

  @LogInteraction('leads', 'a lead')
  lead(@IdParam() id: string, @Body(body) dto: LogInteractionDto, @Ctx() ctx: RequestCtx, @Http() http: HttpExchange) {
    return this.handle('lead', id, dto, ctx, http);
  }

  @LogInteraction('contacts', 'a contact')
  contact(@IdParam() id: string, @Body(body) dto: LogInteractionDto, @Ctx() ctx: RequestCtx, @Http() http: HttpExchange) {
    return this.handle('contact', id, dto, ctx, http);
  }

  @LogInteraction('opportunities', 'an opportunity')
  opportunity(@IdParam() id: string, @Body(body) dto: LogInteractionDto, @Ctx() ctx: RequestCtx, @Http() http: HttpExchange) {
    return this.handle('opportunity', id, dto, ctx, http);
  }

  /**
   * 202 with the log to be, or (Prefer: wait=N) 201 with the log once written. The wait
   * comes after the write is committed (the logger cannot see it before): with an
   * Idempotency-Key, the 202 is stored with the write, and replaced by the 201 if it comes.
   */
  private async handle(kind: LoggedRecord, id: string, dto: LogInteractionDto, ctx: RequestCtx, { prefer, request, reply }: HttpExchange) {
    const pending = await this.interactions.log(kind, id, dto, ctx);
    reply.header('Location', `/api/interaction-logs/${pending.id}/`);
    reply.header('Vary', 'Prefer');
    reply.status(202);
    const wait = preferredWait(prefer);
    if (wait === null) return pending;
    reply.header('Preference-Applied', `wait=${wait}`);
    return afterCommit<object>(request, pending, async () => {
      const written = await this.interactions.awaitWritten(pending.id, wait);
      if (!written) return pending;
      reply.status(201);
      return written;
    });
  }
}
