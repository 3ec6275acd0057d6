import { Module } from '@nestjs/common';
import { LogsModule } from '../logs/logs.module';
import { TransportModule } from '../transport/transport.module';
import { HealthController } from './health.controller';

@Module({
  imports: [LogsModule, TransportModule],
  controllers: [HealthController],
})
export class HealthModule {}
