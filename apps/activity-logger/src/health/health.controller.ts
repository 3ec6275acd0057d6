import { Controller, ForbiddenException, Get, Headers, Req, Res, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { HealthCheckService } from '@nestjs/terminus';
import { checkResult, indicatorState, METRICS_LOOPBACK_ONLY, METRICS_TOKEN_REQUIRED, metricsAccess } from '@app/platform';
import { LoggerConfig } from '../config/logger.config';
import { AmqpBatchServer } from '../transport/amqp-batch.server';
import { MetricsService } from './metrics.service';
import { ReadinessIndicators } from './readiness.indicators';

@Controller()
export class HealthController {
  constructor(
    private readonly transport: AmqpBatchServer,
    private readonly terminus: HealthCheckService,
    private readonly readiness: ReadinessIndicators,
    private readonly metrics: MetricsService,
    private readonly config: LoggerConfig,
  ) {}

  /** The process answers: restart it if not. Deliberately checks nothing outside. */
  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  /**
   * Consuming from the broker and able to reach the database. Terminus runs the two
   * indicators; the answer keeps its body (`status`, `broker`, `database`, `held`).
   */
  @Get('health/ready')
  async ready() {
    const result = await checkResult(this.terminus.check([() => this.readiness.broker(), () => this.readiness.database()]));
    const [broker, database] = [indicatorState(result, 'broker'), indicatorState(result, 'database')];
    const ok = broker === 'up' && database === 'up';
    const body = { status: ok ? 'ok' : 'unavailable', broker, database, held: this.transport.held() };
    if (!ok) throw new ServiceUnavailableException(body);
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
