import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CrmEvent } from '@app/contracts';
import { LOG_BATCH } from '../transport/transport.constants';
import { LogsService, WriteOutcome } from './logs.service';
import { PassThroughRpcFilter } from './pass-through-rpc.filter';

/**
 * Receives the transport's batches of validated events. A thrown error (nothing was
 * committed) reaches the transport unchanged, which decides to hold, split or requeue.
 */
@Controller()
@UseFilters(new PassThroughRpcFilter())
export class LogsController {
  constructor(private readonly logs: LogsService) {}

  @EventPattern(LOG_BATCH)
  write(@Payload() events: CrmEvent[]): Promise<WriteOutcome> {
    return this.logs.write(events);
  }
}
