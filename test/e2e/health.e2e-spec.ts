import { api, AppProcess, create, createProxy, eventually, IsolatedStack, isolatedStack, metricValue, samplesOf, startApi, startLogger, TcpProxy, uniq, viaProxy } from '../utils';

/**
 * What operators watch: liveness, readiness and Prometheus metrics of both services.
 * Readiness follows the database (through a proxy this file cuts), liveness does not.
 * A stack of its own, so its logger is the only consumer and its counters are exact.
 */
const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
};

/** The value of a metric line such as `name 3` or `name{label="x"} 3` (summed over labels). */
function metric(text: string, name: string): number {
  if (samplesOf(text, name).length === 0) throw new Error(`metric ${name} not exposed`);
  return metricValue(text, name);
}

describe('health and metrics', () => {
  let stack: IsolatedStack;
  let proxy: TcpProxy;
  let apiProcess: AppProcess;
  let logger: AppProcess;

  beforeAll(async () => {
    stack = await isolatedStack();
    const db = new URL(stack.env.DATABASE_URL);
    proxy = await createProxy(db.hostname, Number(db.port || 5432));
    const env = { ...stack.env, DATABASE_URL: viaProxy(stack.env.DATABASE_URL, proxy) };
    [apiProcess, logger] = await Promise.all([startApi(env), startLogger(env)]);
  });

  afterAll(async () => {
    proxy?.restore();
    await Promise.all([apiProcess?.stop(), logger?.stop()]);
    await proxy?.close();
    await stack?.destroy();
  });

  it('both services answer live and ready, and expose their metrics', async () => {
    for (const path of ['/health', '/health/live', '/health/ready']) expect((await get(`${apiProcess.url}${path}`)).status).toBe(200);
    for (const path of ['/health/live', '/health/ready']) expect((await get(`${logger.url}${path}`)).status).toBe(200);

    const admin = await api(apiProcess.url);
    const apiBefore = (await get(`${apiProcess.url}/metrics`)).text;
    const loggerBefore = (await get(`${logger.url}/metrics`)).text;
    await create(admin, 'leads', { name: uniq('Metric Lead') });
    await eventually(async () => {
      const apiNow = (await get(`${apiProcess.url}/metrics`)).text;
      expect(metric(apiNow, 'crm_api_events_published_total')).toBeGreaterThan(metric(apiBefore, 'crm_api_events_published_total'));
      expect(metric(apiNow, 'crm_api_http_request_duration_seconds_count')).toBeGreaterThan(0);
      expect(metric(apiNow, 'crm_api_outbox_pending')).toBeGreaterThanOrEqual(0);
      expect(metric(apiNow, 'crm_api_broker_connected')).toBe(1);
    });
    // The only logger on this stack consumed and logged that event.
    await eventually(async () => {
      const now = (await get(`${logger.url}/metrics`)).text;
      expect(metric(now, 'activity_logger_messages_consumed_total')).toBe(metric(loggerBefore, 'activity_logger_messages_consumed_total') + 1);
      expect(metric(now, 'activity_logger_logs_written_total')).toBe(metric(loggerBefore, 'activity_logger_logs_written_total') + 1);
      expect(metric(now, 'activity_logger_insert_duration_seconds_count')).toBeGreaterThan(0);
      expect(metric(now, 'activity_logger_broker_connected')).toBe(1);
    });
  });

  it('readiness fails while the database is unreachable, liveness does not, and both recover', async () => {
    proxy.cut();
    try {
      await eventually(async () => {
        expect((await get(`${apiProcess.url}/health/ready`)).status).toBe(503);
        expect((await get(`${logger.url}/health/ready`)).status).toBe(503);
      });
      expect((await get(`${apiProcess.url}/health/live`)).status).toBe(200);
      expect((await get(`${logger.url}/health/live`)).status).toBe(200);
    } finally {
      proxy.restore();
    }
    await eventually(async () => {
      expect((await get(`${apiProcess.url}/health/ready`)).status).toBe(200);
      expect((await get(`${logger.url}/health/ready`)).status).toBe(200);
    });
  });
});
