import { Module } from '@nestjs/common';
import { LogWriterRepository } from './log-writer.repository';
import { LogsController } from './logs.controller';
import { LogsService } from './logs.service';

@Module({
  controllers: [LogsController],
  providers: [LogsService, LogWriterRepository],
  exports: [LogWriterRepository],
})
export class LogsModule {}
