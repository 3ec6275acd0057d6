/**
 * Reading the apps' Prometheus /metrics (text format 0.0.4, as prom-client writes it),
 * for the tests' counter checks and the bench's memory breakdown. No jest here.
 */

export interface Sample {
  name: string;
  /** The label part as printed, braces excluded (`kind="requeue"`), '' for none. */
  labels: string;
  value: number;
}

/** Every sample line of an exposition (comments and blank lines skipped). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (m) samples.push({ name: m[1], labels: m[2] ?? '', value: Number(m[3]) });
  }
  return samples;
}

/**
 * The samples `selector` names: `name` is every series of that metric (all label sets),
 * `name{a="b"}` the one series with exactly those labels as printed.
 */
export function samplesOf(text: string, selector: string): Sample[] {
  const m = /^([^{]+)(?:\{(.*)\})?$/.exec(selector);
  if (!m) throw new Error(`not a metric selector: ${selector}`);
  const [, name, labels] = m;
  return parseMetrics(text).filter((s) => s.name === name && (labels === undefined || s.labels === labels));
}

/** The sum of what `selector` names (see samplesOf); 0 when the metric is not exposed. */
export function metricValue(text: string, selector: string): number {
  return samplesOf(text, selector).reduce((sum, s) => sum + s.value, 0);
}

/** The text of <baseUrl>/metrics (headers: METRICS_TOKEN, when set). */
export async function scrapeMetrics(baseUrl: string, init: { headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<string> {
  const res = await fetch(`${baseUrl}/metrics`, { headers: init.headers, signal: init.timeoutMs ? AbortSignal.timeout(init.timeoutMs) : undefined });
  return res.text();
}

/** metricValue of what <baseUrl>/metrics shows now. */
export async function readMetric(baseUrl: string, selector: string): Promise<number> {
  return metricValue(await scrapeMetrics(baseUrl), selector);
}
