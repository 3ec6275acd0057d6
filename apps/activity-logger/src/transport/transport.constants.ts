/**
 * The pattern under which the transport hands a batch of validated events to its
 * handler (logs.controller.ts). The transport does the AMQP work (batching, acks,
 * dead-letters, retries); the handler decides what a batch becomes.
 */
export const LOG_BATCH = 'activity-logger.log-batch';
