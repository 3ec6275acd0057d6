import { Controller, Get, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { METRICS_LOOPBACK_ONLY, METRICS_TOKEN_REQUIRED, metricsAccess } from '@app/platform';
import { DomainError } from '../common/domain-error';
import { ApiConfig } from '../config/api.config';
import { OutboxRelay } from '../outbox/outbox.relay';
import { Public } from '../auth/public.decorator';
import { ApiMetrics } from './metrics.registry';

@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: ApiMetrics,
    private readonly relay: OutboxRelay,
    private readonly config: ApiConfig,
  ) {}

  /**
   * Prometheus text format. The outbox gauges are read at scrape time: one indexed count.
   * Public to the auth guard, but only loopback or METRICS_TOKEN may read it (metricsAccess).
   */
  @Public()
  @Get()
  async scrape(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const access = metricsAccess(request.socket.remoteAddress, request.headers.authorization, this.config.METRICS_TOKEN);
    if (access === 'loopback only') throw DomainError.forbidden(METRICS_LOOPBACK_ONLY);
    if (access === 'token required') throw DomainError.unauthorized(METRICS_TOKEN_REQUIRED);
    // Set here, not by @Header: a refusal above is JSON.
    void reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    const backlog = await this.relay.backlog().catch(() => null);
    if (backlog) {
      this.metrics.outboxPending.set(backlog.pending);
      this.metrics.outboxOldestAge.set(backlog.oldestAgeSeconds ?? 0);
    }
    this.metrics.brokerConnected.set(this.relay.status().brokerConnected ? 1 : 0);
    return this.metrics.registry.metrics();
  }
}
