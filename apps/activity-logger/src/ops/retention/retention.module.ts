import { Module } from '@nestjs/common';
import { RetentionSessions } from './retention.repository';
import { RetentionService } from './retention.service';

/** The optional retention job (LOG_RETENTION_DAYS); LoggerConfig and MetricsService come from global modules. */
@Module({ providers: [RetentionService, RetentionSessions] })
export class RetentionModule {}
