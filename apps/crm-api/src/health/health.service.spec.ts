import { Test } from '@nestjs/testing';
import { HealthIndicatorService, MikroOrmHealthIndicator, TerminusModule } from '@nestjs/terminus';
import { OutboxRelay } from '../outbox/outbox.relay';
import { HealthService } from './health.service';

/** HealthService on terminus, with the database ping and the relay replaced. */
async function service(databaseUp: boolean, relay?: Partial<OutboxRelay>): Promise<HealthService> {
  const indicators = new HealthIndicatorService();
  const ping = { pingCheck: jest.fn(async (key: string) => (databaseUp ? indicators.check(key).up() : indicators.check(key).down('timeout of 2000ms exceeded'))) };
  const module = await Test.createTestingModule({
    imports: [TerminusModule.forRoot({ logger: false })],
    providers: [HealthService, ...(relay ? [{ provide: OutboxRelay, useValue: relay }] : [])],
  })
    .overrideProvider(MikroOrmHealthIndicator)
    .useValue(ping)
    .compile();
  return module.get(HealthService);
}

describe('HealthService (terminus)', () => {
  const relay = (brokerConnected: boolean, lastError: string | null = null) => ({
    status: () => ({ brokerConnected, lastError }),
    backlog: async () => ({ pending: 3, oldestAgeSeconds: 1.5 }),
  });

  it('healthy while the database answers, with the broker and the outbox reported', async () => {
    expect(await (await service(true, relay(true))).check()).toEqual({
      healthy: true,
      body: { status: 'ok', database: 'up', broker: 'up', outbox: { pending: 3, oldest_age_seconds: 1.5 } },
    });
  });

  it('the broker down does not decide: still healthy, its last error said', async () => {
    expect(await (await service(true, relay(false, 'connect ECONNREFUSED'))).check()).toEqual({
      healthy: true,
      body: { status: 'ok', database: 'up', broker: 'down', relay_error: 'connect ECONNREFUSED', outbox: { pending: 3, oldest_age_seconds: 1.5 } },
    });
  });

  it("unhealthy with the database down: the old body, not terminus' info/error/details", async () => {
    expect(await (await service(false, relay(true))).check()).toEqual({ healthy: false, body: { status: 'unavailable', database: 'down', broker: 'up' } });
    expect(await (await service(false)).check()).toEqual({ healthy: false, body: { status: 'unavailable', database: 'down' } });
  });
});
