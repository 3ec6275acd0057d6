import { DynamicModule, Global, Module } from '@nestjs/common';
import { LoggerConfig } from './config/logger.config';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './health/metrics.module';
import { LogsModule } from './logs/logs.module';
import { RetentionModule } from './ops/retention/retention.module';
import { TransportModule } from './transport/transport.module';

/**
 * The activity-logger: the transport (queue -> batches), the logs feature (batch ->
 * interaction_log rows), a small HTTP port for health and metrics, and the optional
 * retention job (LOG_RETENTION_DAYS).
 */
@Global()
@Module({})
export class LoggerModule {
  /** `config` is loaded once, in main.ts, before anything else starts. */
  static forRoot(config: LoggerConfig): DynamicModule {
    return {
      module: LoggerModule,
      imports: [MetricsModule, LogsModule, TransportModule, HealthModule, RetentionModule],
      providers: [{ provide: LoggerConfig, useValue: config }],
      exports: [LoggerConfig],
    };
  }
}
