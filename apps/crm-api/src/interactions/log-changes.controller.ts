import { Body, Controller, Delete, Headers, Patch, Res } from '@nestjs/common';
import { RecordAnswers } from '../common/etag';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiErrors, ApiZodBody, ApiZodResponse } from '../common/openapi';
import { Ctx, RequestCtx } from '../common/request-context';
import { IdParam, ZodPipe } from '../common/zod.pipe';
import { InteractionLogView } from '../feed/feed.view';
import { EditLogDto, PendingEditView } from './log-change.dto';
import { LogChangesService } from './log-changes.service';
import { preferredWait } from './prefer-wait';

const PREFER = 'wait=N (N ≤ 10): answer once a logger has applied the change, if it does within N seconds';

/**
 * Corrections of manual logs. Who may: the log's author, a manager or an admin (a rep
 * who cannot read the log gets 404, one who reads it but did not write it 403). Logs the
 * system wrote (source auto) cannot be changed: 409. Like log_interaction, the change is
 * applied by the activity-logger: 202 at once, or with `Prefer: wait=N` the applied result.
 */
@ApiTags('interactions')
@ApiBearerAuth()
@ApiHeader({ name: 'Prefer', required: false, description: PREFER })
@RecordAnswers()
@Controller('api/interaction-logs')
export class LogChangesController {
  constructor(private readonly changes: LogChangesService) {}

  @Patch(':id')
  @ApiOperation({
    summary: 'Correct a manual log: its summary, its type, or both (author, manager or admin)',
    description: 'The log keeps its id and timestamp and gains edited_at and edited_by; open streams get it again as an `interaction-log` event.',
  })
  @ApiZodBody(EditLogDto)
  @ApiZodResponse(202, PendingEditView, 'accepted: the log as it will be once a logger applied the edit')
  @ApiZodResponse(200, InteractionLogView, 'with Prefer: wait=N, the edited log')
  @ApiErrors(400, 401, 403, 404, 409, 413, 415)
  async edit(
    @IdParam() id: string,
    @Body(new ZodPipe(EditLogDto)) dto: EditLogDto,
    @Ctx() ctx: RequestCtx,
    @Headers('prefer') prefer: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { eventId, pending } = await this.changes.edit(id, dto, ctx);
    reply.header('Vary', 'Prefer');
    const wait = preferredWait(prefer);
    if (wait !== null) {
      reply.header('Preference-Applied', `wait=${wait}`);
      const edited = await this.changes.awaitEdit(id, eventId, pending.edited_at!, wait);
      if (edited) {
        reply.status(200);
        return edited;
      }
    }
    reply.status(202);
    return pending;
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Delete a manual log (author, manager or admin)',
    description: 'It leaves the list, the grouped list and GET at once the logger applied it; open streams get an `interaction-log-deleted` event {id}.',
  })
  @ApiResponse({ status: 202, description: 'accepted: a logger will remove it from the feed' })
  @ApiResponse({ status: 204, description: 'with Prefer: wait=N, removed from the feed' })
  @ApiErrors(400, 401, 403, 404, 409)
  async delete(@IdParam() id: string, @Ctx() ctx: RequestCtx, @Headers('prefer') prefer: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.changes.delete(id, ctx);
    reply.header('Vary', 'Prefer');
    const wait = preferredWait(prefer);
    if (wait !== null) {
      reply.header('Preference-Applied', `wait=${wait}`);
      if (await this.changes.awaitDelete(id, wait)) {
        reply.status(204);
        return;
      }
    }
    reply.status(202);
  }
}
