import { Module } from '@nestjs/common';
import { RetentionService } from './retention.service';

/** The optional retention job (LOG_RETENTION_DAYS); LoggerConfig and MetricsService come from global modules. */
@Module({ providers: [RetentionService] })
export class RetentionModule {}
