import { HealthIndicatorService } from '@nestjs/terminus';
import { newTestService } from '../../../../test/utils/service-test';
import { LoggerConfig } from '../config/logger.config';
import { LogWriterRepository } from '../logs/log-writer.repository';
import { AmqpBatchServer } from '../transport/amqp-batch.server';
import { ReadinessIndicators } from './readiness.indicators';

/** What /health/ready is made of: consuming from the broker, and the database answering (transport and writer mocked). */
describe('ReadinessIndicators', () => {
  async function indicators() {
    const t = await newTestService(ReadinessIndicators, { config: LoggerConfig, providers: [HealthIndicatorService] });
    return { sut: t.sut, transport: t.mock(AmqpBatchServer), writer: t.mock(LogWriterRepository) };
  }

  it('broker: up while consuming, down while (re)connecting', async () => {
    const { sut, transport } = await indicators();
    transport.isConsuming.mockReturnValueOnce(true).mockReturnValueOnce(false);
    expect(sut.broker()).toEqual({ broker: { status: 'up' } });
    expect(sut.broker()).toEqual({ broker: { status: 'down' } });
  });

  it('database: up when a pooled connection answers in time, down otherwise', async () => {
    const { sut, writer } = await indicators();
    writer.ping.mockResolvedValueOnce(true).mockResolvedValueOnce(false);
    expect(await sut.database()).toEqual({ database: { status: 'up' } });
    expect(await sut.database()).toEqual({ database: { status: 'down' } });
  });
});
