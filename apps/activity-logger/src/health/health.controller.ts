import { Controller, Get, Header, ServiceUnavailableException } from '@nestjs/common';
import { LogWriterRepository } from '../logs/log-writer.repository';
import { AmqpBatchServer } from '../transport/amqp-batch.server';
import { MetricsService } from './metrics.service';

@Controller()
export class HealthController {
  constructor(
    private readonly transport: AmqpBatchServer,
    private readonly writer: LogWriterRepository,
    private readonly metrics: MetricsService,
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

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

const up = (ok: boolean) => (ok ? 'up' : 'down');
