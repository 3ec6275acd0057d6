import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Why a message went to the dead-letter queue, coarsely, for a metric label. */
export type DeadLetterClass = 'not_json' | 'invalid_envelope' | 'unknown_type' | 'unknown_version' | 'invalid_data' | 'write_failed' | 'other';

/**
 * The logger's Prometheus metrics, in a registry of its own (no global state, so tests
 * can build several). Served at GET /metrics.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly consumed = new Counter({
    name: 'activity_logger_messages_consumed_total',
    help: 'Messages delivered by the broker (redeliveries included).',
    registers: [this.registry],
  });
  readonly logged = new Counter({
    name: 'activity_logger_logs_written_total',
    help: 'Rows inserted into activity.interaction_log.',
    registers: [this.registry],
  });
  readonly duplicates = new Counter({
    name: 'activity_logger_duplicates_skipped_total',
    help: 'Valid messages whose event id was already logged (redelivery or double publish): nothing written.',
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: 'activity_logger_dead_lettered_total',
    help: 'Messages published to the dead-letter exchange, by reason class.',
    labelNames: ['reason_class'] as const,
    registers: [this.registry],
  });
  readonly retried = new Counter({
    name: 'activity_logger_retries_total',
    help: 'Retries: held batch re-sent after backoff (backoff), batch split to isolate a bad message (split), message nacked back to the queue (requeue).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'activity_logger_batch_size',
    help: 'Messages per insert.',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: [this.registry],
  });
  readonly insertSeconds = new Histogram({
    name: 'activity_logger_insert_duration_seconds',
    help: 'Duration of one batch transaction (insert + notify + commit), successful or not.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly held = new Gauge({
    name: 'activity_logger_held_messages',
    help: 'Valid messages received and not yet settled (buffered, queued or being written/retried).',
    registers: [this.registry],
  });
  readonly brokerConnected = new Gauge({
    name: 'activity_logger_broker_connected',
    help: '1 while consuming from the broker, 0 while (re)connecting.',
    registers: [this.registry],
  });

  constructor() {
    // process_* and nodejs_* under their usual names, as dashboards expect them.
    collectDefaultMetrics({ register: this.registry });
  }
}
