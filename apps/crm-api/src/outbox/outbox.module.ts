import { Global, Module } from '@nestjs/common';
import { outboxConnections } from './outbox.connections';
import { OutboxEventsRepository } from './outbox.repository';
import { OutboxRelay } from './outbox.relay';
import { OutboxService } from './outbox.service';

@Global()
@Module({
  providers: [OutboxService, OutboxEventsRepository, OutboxRelay, ...outboxConnections],
  exports: [OutboxService, OutboxEventsRepository, OutboxRelay],
})
export class OutboxModule {}
