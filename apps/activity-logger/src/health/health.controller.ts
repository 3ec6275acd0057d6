import { Controller, ForbiddenException, Get, Headers, Req, Res, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { METRICS_LOOPBACK_ONLY, METRICS_TOKEN_REQUIRED, metricsAccess } from '@app/platform';
import { LoggerConfig } from '../config/logger.config';
import { LogWriterRepository } from '../logs/log-writer.repository';
import { AmqpBatchServer } from '../transport/amqp-batch.server';
import { MetricsService } from './metrics.service';

@Controller()
export class HealthController {
  constructor(
    private readonly transport: AmqpBatchServer,
    private readonly writer: LogWriterRepository,
    private readonly metrics: MetricsService,
    private readonly config: LoggerConfig,
  ) {}

  /** The process answers: restart it if not. Deliberately checks nothing outside. */
  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  /** Consuming from the broker and able to reach the database. */
  @Get('health/ready')
  async ready() {
    const broker = this.transport.isConsuming();
    const database = await this.writer.ping();
    const body = { status: broker && database ? 'ok' : 'unavailable', broker: up(broker), database: up(database), held: this.transport.held() };
    if (!broker || !database) throw new ServiceUnavailableException(body);
    return body;
  }

  /** Only loopback, or whoever has METRICS_TOKEN (metricsAccess). */
  @Get('metrics')
  metricsText(
    @Req() request: { socket?: { remoteAddress?: string } },
    @Res({ passthrough: true }) reply: { header(name: string, value: string): unknown },
    @Headers('authorization') authorization?: string,
  ): Promise<string> {
    const access = metricsAccess(request.socket?.remoteAddress, authorization, this.config.METRICS_TOKEN);
    if (access === 'loopback only') throw new ForbiddenException(METRICS_LOOPBACK_ONLY);
    if (access === 'token required') throw new UnauthorizedException(METRICS_TOKEN_REQUIRED);
    // Set here, not by @Header: a refusal above is JSON.
    reply.header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    return this.metrics.registry.metrics();
  }
}

const up = (ok: boolean) => (ok ? 'up' : 'down');
