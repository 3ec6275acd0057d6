import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { LogWriterRepository } from '../logs/log-writer.repository';
import { AmqpBatchServer } from '../transport/amqp-batch.server';

/** The logger's readiness, as terminus indicators: consuming from the broker, and the database answering. */
@Injectable()
export class ReadinessIndicators {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly transport: AmqpBatchServer,
    private readonly writer: LogWriterRepository,
  ) {}

  broker() {
    const check = this.indicators.check('broker');
    return this.transport.isConsuming() ? check.up() : check.down();
  }

  async database() {
    const check = this.indicators.check('database');
    return (await this.writer.ping()) ? check.up() : check.down();
  }
}
