import { Module } from '@nestjs/common';
import { connect } from 'amqplib';
import { AmqpBatchServer } from './amqp-batch.server';
import { AMQP_CONNECT } from './broker-link';

/** Provides the transport as an injectable, so main.ts can connect it and health can ask it. */
@Module({
  providers: [AmqpBatchServer, { provide: AMQP_CONNECT, useValue: connect }],
  exports: [AmqpBatchServer],
})
export class TransportModule {}
