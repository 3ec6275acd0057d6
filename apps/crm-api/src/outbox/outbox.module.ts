import { Global, Module } from '@nestjs/common';
import { outboxConnections } from './outbox.connections';
import { OutboxRelay } from './outbox.relay';
import { OutboxService } from './outbox.service';

@Global()
@Module({
  providers: [OutboxService, OutboxRelay, ...outboxConnections],
  exports: [OutboxService, OutboxRelay],
})
export class OutboxModule {}
