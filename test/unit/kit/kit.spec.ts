import { metricValue, parseMetrics, samplesOf } from '../../kit/metrics';
import { eventually, until } from '../../kit/poll';
import { parseBody } from '../../kit/http';

// prom-client's text format, as the apps print it.
const TEXT = `# HELP activity_logger_retries_total Retries
# TYPE activity_logger_retries_total counter
activity_logger_retries_total{kind="backoff"} 3
activity_logger_retries_total{kind="requeue"} 4
activity_logger_held_messages 5
activity_logger_held_messages_extra 100
crm_api_http_request_duration_seconds_count{method="GET",route="/health",status="200"} 2
nodejs_heap_size_used_bytes 1.5e+7
`;

describe('test kit: metrics', () => {
  it('a name sums its label sets; name{…} is the one series; absent is 0', () => {
    expect(metricValue(TEXT, 'activity_logger_retries_total')).toBe(7);
    expect(metricValue(TEXT, 'activity_logger_retries_total{kind="requeue"}')).toBe(4);
    expect(metricValue(TEXT, 'activity_logger_held_messages')).toBe(5);
    expect(metricValue(TEXT, 'activity_logger_dead_lettered_total')).toBe(0);
    expect(samplesOf(TEXT, 'activity_logger_dead_lettered_total')).toEqual([]);
    expect(metricValue(TEXT, 'crm_api_http_request_duration_seconds_count')).toBe(2);
  });

  it('parses labels as printed and exponent values; skips comments', () => {
    const samples = parseMetrics(TEXT);
    expect(samples).toHaveLength(6);
    expect(samples[0]).toEqual({ name: 'activity_logger_retries_total', labels: 'kind="backoff"', value: 3 });
    expect(samples[5].value).toBe(15_000_000);
  });
});

describe('test kit: polling', () => {
  it('eventually returns the first value that does not throw, and names the last error after the deadline', async () => {
    let n = 0;
    await expect(eventually(() => (++n < 3 ? Promise.reject(new Error('not yet')) : n), { interval: 1 })).resolves.toBe(3);
    await expect(eventually(() => Promise.reject(new Error('still wrong')), { timeout: 20, interval: 5 })).rejects.toThrow(
      /still failing after 20 ms \(\d+ attempts\): still wrong/,
    );
  });

  it('until returns the first value other than undefined/false, and says what it waited for', async () => {
    let n = 0;
    await expect(until('n', async () => (++n < 3 ? false : n), 1_000, 1)).resolves.toBe(3);
    await expect(until('the outbox to be empty', async () => undefined, 20, 5)).rejects.toThrow(/^timed out after 20 ms waiting for the outbox to be empty$/);
    await expect(
      until(
        'x',
        async () => {
          throw new Error('refused');
        },
        20,
        5,
      ),
    ).rejects.toThrow(/waiting for x: refused/);
  });
});

describe('test kit: http', () => {
  it('a body is JSON when it parses, else its text, null when empty', () => {
    expect(parseBody('{"a":1}')).toEqual({ a: 1 });
    expect(parseBody('<html>')).toBe('<html>');
    expect(parseBody('')).toBeNull();
  });
});
