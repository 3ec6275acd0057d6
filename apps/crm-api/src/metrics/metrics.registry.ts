import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** crm-api's Prometheus metrics, in one registry (not prom-client's global one). */
export class ApiMetrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'crm_api_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly eventsPublished = new Counter({
    name: 'crm_api_events_published_total',
    help: 'Outbox events confirmed by the broker',
    registers: [this.registry],
  });

  readonly publishFailures = new Counter({
    name: 'crm_api_events_publish_failures_total',
    help: 'Outbox events the broker nacked or returned as unroutable (they stay in the outbox and are retried)',
    registers: [this.registry],
  });

  readonly outboxPending = new Gauge({
    name: 'crm_api_outbox_pending',
    help: 'Outbox events not yet confirmed by the broker',
    registers: [this.registry],
  });

  readonly outboxOldestAge = new Gauge({
    name: 'crm_api_outbox_oldest_age_seconds',
    help: 'Age of the oldest unpublished outbox event (0 when none)',
    registers: [this.registry],
  });

  readonly brokerConnected = new Gauge({
    name: 'crm_api_broker_connected',
    help: '1 when the outbox relay holds a broker connection',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
