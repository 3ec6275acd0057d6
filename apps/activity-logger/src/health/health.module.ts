import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LogsModule } from '../logs/logs.module';
import { TransportModule } from '../transport/transport.module';
import { HealthController } from './health.controller';
import { ReadinessIndicators } from './readiness.indicators';

@Module({
  // logger: false: a failed check is the answer (503), not a log line per probe, as before.
  imports: [LogsModule, TransportModule, TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [ReadinessIndicators],
})
export class HealthModule {}
