import { Controller, Get, Header } from '@nestjs/common';
import { OutboxRelay } from '../outbox/outbox.relay';
import { Public } from '../auth/public.decorator';
import { ApiMetrics } from './metrics.registry';

@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: ApiMetrics,
    private readonly relay: OutboxRelay,
  ) {}

  /** Prometheus text format. The outbox gauges are read at scrape time: one indexed count. */
  @Public()
  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    const backlog = await this.relay.backlog().catch(() => null);
    if (backlog) {
      this.metrics.outboxPending.set(backlog.pending);
      this.metrics.outboxOldestAge.set(backlog.oldestAgeSeconds ?? 0);
    }
    this.metrics.brokerConnected.set(this.relay.status().brokerConnected ? 1 : 0);
    return this.metrics.registry.metrics();
  }
}
