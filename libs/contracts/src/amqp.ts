/**
 * Names of the broker objects every party agrees on. Other teams bind their own
 * queues to EXCHANGE; only the activity-logger owns QUEUE and its dead-letter pair.
 */
export const EXCHANGE = 'crm.events';
export const DEAD_LETTER_EXCHANGE = 'crm.events.dlx';
export const LOGGER_QUEUE = 'activity-logger';
export const LOGGER_DEAD_LETTER_QUEUE = 'activity-logger.dead-letter';

/** CloudEvents structured mode content type (the body is the whole envelope). */
export const CONTENT_TYPE = 'application/cloudevents+json';

/** Headers carried beside the body, so a consumer can route or drop without parsing JSON. */
export const HEADERS = {
  version: 'x-event-version',
  correlationId: 'x-correlation-id',
  /** Set by the logger on a dead-lettered message: why it was rejected. */
  deadLetterReason: 'x-dead-letter-reason',
  /** Set by the logger on a dead-lettered message: after how many deliveries. */
  deadLetterAttempts: 'x-dead-letter-attempts',
  /** Set by the logger on a dead-lettered message: when. */
  deadLetterAt: 'x-dead-letter-at',
} as const;
