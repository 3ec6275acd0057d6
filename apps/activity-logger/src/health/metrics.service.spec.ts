import { MetricsService } from './metrics.service';

/**
 * What /metrics serves: the logger's series under the names dashboards and the e2e
 * tests read, plus process_* and nodejs_*, in a registry of each instance's own.
 */
describe('MetricsService', () => {
  it("serves the logger's series and the process defaults, by their documented names", async () => {
    const metrics = new MetricsService();
    metrics.deadLettered.inc({ reason_class: 'invalid_data' });
    metrics.retried.inc({ kind: 'split' }, 2);
    const text = await metrics.registry.metrics();
    for (const name of [
      'activity_logger_messages_consumed_total',
      'activity_logger_logs_written_total',
      'activity_logger_duplicates_skipped_total',
      'activity_logger_batch_size',
      'activity_logger_insert_duration_seconds',
      'activity_logger_held_messages',
      'activity_logger_broker_connected',
      'process_cpu_seconds_total',
      'nodejs_heap_size_used_bytes',
    ])
      expect(text).toContain(`# TYPE ${name} `);
    expect(text).toContain('activity_logger_dead_lettered_total{reason_class="invalid_data"} 1');
    expect(text).toContain('activity_logger_retries_total{kind="split"} 2');
  });

  it('keeps no global state: two instances count apart', async () => {
    const [a, b] = [new MetricsService(), new MetricsService()];
    a.logged.inc(5);
    expect((await a.logged.get()).values[0].value).toBe(5);
    expect((await b.logged.get()).values[0].value).toBe(0);
  });
});
