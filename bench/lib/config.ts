import { join, resolve } from 'node:path';

/** Everything the benchmark sizes, in one place: BENCH_QUICK=1 is the CI smoke size. */
export const ROOT = resolve(__dirname, '..', '..');
export const OUT_DIR = join(ROOT, '.bench');

const quick = process.env.BENCH_QUICK === '1' || process.env.BENCH_QUICK === 'true';
const int = (name: string, def: number) => {
  const v = process.env[name];
  return v !== undefined && v !== '' ? Number.parseInt(v, 10) : def;
};

export const CONFIG = {
  quick,
  /** Repetitions of each figure; the line shows the median and the range over them. */
  runs: int('BENCH_RUNS', quick ? 2 : 3),
  /** Raw broker: messages published (confirms) then consumed (acks) per run. */
  rawBrokerMessages: int('BENCH_RAW_MESSAGES', quick ? 5_000 : 50_000),
  /** Raw database: rows inserted per run, in batches the size of the logger's default batch. */
  rawDbRows: int('BENCH_RAW_ROWS', quick ? 5_000 : 50_000),
  batchSize: int('BENCH_BATCH_SIZE', 500),
  /** Logger drain: events already in the queue before the logger starts. */
  backlog: int('BENCH_BACKLOG', quick ? 5_000 : 50_000),
  /** End-to-end latency: steady rates (events/s), warm-up then measured seconds per run. */
  e2eRates: (process.env.BENCH_E2E_RATES ?? '200,1000').split(',').map(Number),
  e2eWarmupS: int('BENCH_E2E_WARMUP_S', quick ? 1 : 3),
  e2eSeconds: int('BENCH_E2E_SECONDS', quick ? 3 : 15),
  /** API load (autocannon). */
  apiConnections: int('BENCH_API_CONNECTIONS', 32),
  apiSeconds: int('BENCH_API_SECONDS', quick ? 2 : 10),
  /** Leads and opportunities created up front, which the PATCH loads change in turn (none changed twice at once). */
  writeRecords: int('BENCH_WRITE_RECORDS', quick ? 200 : 2_000),
  /** Feed: rows loaded into interaction_log, and sequential requests per page kind per run. */
  feedLogs: int('BENCH_FEED_LOGS', quick ? 20_000 : 1_000_000),
  feedLeads: int('BENCH_FEED_LEADS', quick ? 500 : 20_000),
  feedSamples: int('BENCH_FEED_SAMPLES', quick ? 200 : 2_000),
  /** Which parts to run (comma list of raw,drain,e2e,api,feed); all by default. */
  only: (process.env.BENCH_ONLY ?? 'raw,drain,e2e,api,feed')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
  /** BENCH_PROFILE=1: the apps run with --cpu-prof, profiles summarised into .bench/profiles. */
  profile: process.env.BENCH_PROFILE === '1',
  /** Seconds to wait for the machine's load to settle before measuring (shared machine). */
  waitQuietS: int('BENCH_WAIT_QUIET_S', quick ? 0 : 900),
  /** BENCH_ANALYSE=1: extra raw-insert variants (batch size, the logger's statement shape) to explain the drain. */
  analyse: process.env.BENCH_ANALYSE === '1',
  /** Keep the database and vhost afterwards (for EXPLAIN by hand); they are dropped otherwise. */
  keep: process.env.BENCH_KEEP === '1',
};

export const wants = (part: string) => CONFIG.only.includes(part);
