import { Module } from '@nestjs/common';
import { connect } from 'amqplib';
import { AMQP_CONNECT, AmqpBatchServer } from './amqp-batch.server';

/** Provides the transport as an injectable, so main.ts can connect it and health can ask it. */
@Module({
  providers: [AmqpBatchServer, { provide: AMQP_CONNECT, useValue: connect }],
  exports: [AmqpBatchServer],
})
export class TransportModule {}
