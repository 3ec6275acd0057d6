import { Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { ZodPipe, IdParam } from '../common/zod.pipe';
import { Policy } from '../auth/policy';
import { SessionsService } from '../auth/sessions.service';
import { ApiConfig } from '../config/api.config';
import { Caller, CurrentUser } from '../common/request-context';
import { DomainError } from '../common/domain-error';
import { pageLink } from '../common/pagination';
import { ApiErrors, ApiListResponse, ApiZodQuery, ApiZodResponse } from '../common/openapi';
import { FeedExportQuery, FeedListQuery, FeedStreamQuery } from './feed.query';
import { CSV_HEAD, csvLine, EXPORT_CONTENT_TYPES, ndjsonLine } from './feed.export';
import { ExportSlots } from './feed.export-slots';
import { FeedService } from './feed.service';
import { decodeStreamPosition } from './feed.cursor';
import { PipelineStatusService } from './pipeline-status.service';
import { SseWriter } from './sse.writer';
import { CorrelatedLogsView, InteractionLogView, PipelineStatusView } from './feed.view';

/** Writes a chunk, waiting for the client to take it when the socket's buffer is full (or for it to go away). */
function write(res: ServerResponse, chunk: string): Promise<void> {
  // Gone already (closed while a page was read): no 'drain' or 'close' would ever come.
  if (res.destroyed || res.writableEnded) return Promise.resolve();
  if (res.write(chunk) || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

@ApiTags('activity feed')
@ApiBearerAuth()
@Controller('api/interaction-logs')
export class FeedController {
  constructor(
    private readonly feed: FeedService,
    private readonly pipeline: PipelineStatusService,
    private readonly policy: Policy,
    private readonly sessions: SessionsService,
    private readonly config: ApiConfig,
    private readonly exportSlots: ExportSlots,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The activity feed, newest first by timestamp, keyset-paged',
    description:
      'Each log: id, timestamp, user, type, summary, lead, contact, opportunity, source, correlation_id, event_type, data. ' +
      "include_contact=true (with opportunity) adds the logs of the opportunity's contact. " +
      'group=correlation returns {correlation_id, timestamp, logs} entries, one per user action.',
  })
  @ApiZodQuery(FeedListQuery)
  @ApiListResponse(z.union([InteractionLogView, CorrelatedLogsView]))
  @ApiErrors(400, 401, 404)
  async list(@Query(new ZodPipe(FeedListQuery, 'query')) query: FeedListQuery, @Req() req: FastifyRequest, @CurrentUser() caller: Caller) {
    const { limit, cursor, group, ...filters } = query;
    const page = group ? await this.feed.listGrouped(filters, caller, limit, cursor) : await this.feed.list(filters, caller, limit, cursor);
    return { results: page.results, next: pageLink(req.publicUrl, req.url, page.nextCursor) };
  }

  /** Whether the feed is current, or how much is on its way and for how long. */
  @Get('status')
  @ApiOperation({ summary: 'Whether the feed is current: outbox backlog, queue depth and consumers, and the reasons when it is not' })
  @ApiZodResponse(200, PipelineStatusView)
  @ApiErrors(401)
  status(@CurrentUser() caller: Caller) {
    return this.pipeline.status(!this.policy.readsAll(caller));
  }

  /** Server-Sent Events: one `interaction-log` event per new or edited log, `interaction-log-deleted` per deleted one; resumable with Last-Event-ID. */
  @Get('stream')
  @ApiOperation({
    summary: 'Server-Sent Events: one `interaction-log` event per new log, same filters as the list',
    description:
      'Send Last-Event-ID (or ?last_event_id=) to resume after the last event received: nothing is missed. ' +
      'An edited manual log comes again as an `interaction-log` event with the same id (and edited_at, edited_by); ' +
      'a deleted one as an `interaction-log-deleted` event whose data is {"id": "<log id>"}, and so is one that an edit ' +
      "moved out of the stream's `type` filter.",
  })
  @ApiProduces('text/event-stream')
  @ApiResponse({ status: 200, description: 'text/event-stream: `interaction-log` events whose data is a log, `interaction-log-deleted` events whose data is {id}' })
  @ApiZodQuery(FeedStreamQuery)
  @ApiErrors(400, 401, 404, 429)
  async stream(
    @Query(new ZodPipe(FeedStreamQuery, 'query')) query: FeedStreamQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @CurrentUser() caller: Caller,
  ) {
    const { last_event_id, ...filters } = query;
    let from = last_event_id;
    if (lastEventId !== undefined && !from) {
      from = decodeStreamPosition(lastEventId) ?? undefined;
      if (!from) throw DomainError.invalid('Last-Event-ID: not an event id from this stream');
    }
    const abort = new AbortController();
    // Held from before the answer (429 past STREAMS_PER_USER), and ended with the
    // session: at its expiry, or when it is ended on any replica.
    const untrack = this.sessions.track(caller, () => abort.abort(), this.config.STREAMS_PER_USER);
    let sse: SseWriter | undefined;
    try {
      const { startId, follow } = await this.feed.openStream(filters, caller, from);
      sse = new SseWriter(reply, startId, () => abort.abort());
      req.raw.on('close', () => abort.abort());
      for await (const item of follow(abort.signal)) {
        if (item.deleted) sse.send('interaction-log-deleted', item.id, item.deleted);
        else sse.send('interaction-log', item.id, item.log);
      }
    } catch (e) {
      if (!sse) throw e; // before the stream began: a plain 4xx/5xx
      sse.fail(e as Error);
    } finally {
      untrack();
      sse?.end();
    }
  }

  /**
   * The whole feed for the same filters as the list, as a file: read page by page in
   * keyset order and written as the client takes it (memory stays flat whatever the size).
   */
  @Get('export')
  @ApiOperation({
    summary: 'Export the feed (every filter of the list, rollup and kind included) as CSV or NDJSON, newest first',
    description:
      'Streamed in keyset order. CSV: UTF-8 with a byte-order mark, RFC 4180 quoting, CRLF; a cell starting with = + - @ (or a tab/CR) ' +
      'is prefixed with a single quote. Columns: ' +
      'timestamp, recorded_at, kind, type, event_type, source, summary, user_id, user_name, lead_id, contact_id, opportunity_id, via_type, via_id, via_name, correlation_id, id, edited_at, edited_by_id, edited_by_name. ' +
      "NDJSON: one log per line (the list's fields and user_name). At most EXPORTS_PER_USER at once per user (429). " +
      'A failure after the first byte cuts the transfer short (no terminating chunk): a client must treat a cut file as failed.',
  })
  @ApiProduces('text/csv', 'application/x-ndjson')
  @ApiResponse({ status: 200, description: 'the file (Content-Disposition: attachment)' })
  @ApiZodQuery(FeedExportQuery)
  @ApiErrors(400, 401, 404, 429)
  async export(@Query(new ZodPipe(FeedExportQuery, 'query')) query: FeedExportQuery, @Res() reply: FastifyReply, @CurrentUser() caller: Caller) {
    const { format, ...filters } = query;
    const release = this.exportSlots.claim(caller, this.config.EXPORTS_PER_USER);
    const abort = new AbortController();
    const res = reply.raw;
    let started = false;
    // From the start: a client gone while the first page was read must stop the export too.
    res.on('close', () => abort.abort());
    const line = format === 'csv' ? csvLine : ndjsonLine;
    const pages = this.feed.exportChunks(filters, caller, this.config.EXPORT_PAGE_SIZE, line, abort.signal);
    try {
      // The first page is read before the status line, so a bad filter is still a plain 4xx.
      const first = await pages.next();
      reply.hijack();
      const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
      res.writeHead(200, {
        'content-type': EXPORT_CONTENT_TYPES[format],
        'content-disposition': `attachment; filename="interaction-logs-${stamp}Z.${format}"`,
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      });
      started = true;
      if (format === 'csv') await write(res, CSV_HEAD);
      // A page is asked for only once the client took the last one, and not after it left.
      for (let page = first; !page.done; page = await pages.next()) {
        await write(res, page.value);
        if (abort.signal.aborted) break;
      }
      if (!abort.signal.aborted) res.end();
    } catch (e) {
      if (!started) throw e; // before the status line: a plain 4xx/5xx
      // The status line is gone: cut the transfer short, so the client sees a failed download, not a short file.
      res.destroy(e as Error);
    } finally {
      abort.abort();
      await pages.return(undefined); // its connection back to the pool, however the export ended
      release();
    }
  }

  @Get(':id')
  @ApiOperation({ summary: 'One log' })
  @ApiZodResponse(200, InteractionLogView)
  @ApiErrors(400, 401, 404)
  get(@IdParam() id: string, @CurrentUser() caller: Caller) {
    return this.feed.get(id, caller);
  }
}
