import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { HttpClient } from './lib/http';
import { log, sleep } from './lib/log';
import { latencyProfile } from './lib/stats';

interface Req {
  sendWall: number;
  sendAt: number;
  id?: string;
  /** The event's time (the log's timestamp), from the 202 answer. */
  timestamp?: number;
  answeredAt?: number;
  seenAt?: number;
  failed?: string;
  measured: boolean;
}

type FeedPage = { results: { id: string }[]; next: string | null };

const POLL_MS = 10;
const PAGE = 100;
const MAX_PAGES = 30;

/**
 * End to end at a steady rate: `rate` manual logs per second are sent open-loop (on a
 * schedule, whatever the answers do: no coordinated omission) to
 * POST /api/leads/{id}/log_interaction/, which answers 202 with the id the log will
 * have. One observer reads the feed as a client would, GET /api/interaction-logs/
 * (newest first, limit 100), every 10 ms, narrowed with ?since= to the oldest request not yet
 * seen, following `next` down to it. A log's latency is from the moment
 * its 202 arrived to the moment a feed page containing it arrived, so it includes up to
 * one observer cycle (≈ 10 ms + one page request): an upper bound.
 */
export async function e2eLatency(baseUrl: string, token: string, leads: string[], rate: number, warmupS: number, seconds: number, databaseUrl?: string) {
  const gen = new HttpClient(baseUrl, 256);
  gen.token = token;
  const obs = new HttpClient(baseUrl, 1);
  obs.token = token;
  const reqs: Req[] = [];
  let lo = 0;
  let generating = true;
  const seenIds = new Map<string, number>();
  const byId = new Map<string, Req>();
  const pollRtt: number[] = [];

  const resolved = (r: Req) => r.failed !== undefined || r.seenAt !== undefined;

  const observer = (async () => {
    /** The rest of a walk down the feed that one cycle did not finish. */
    let walk: string | null = null;
    const deadline = () => (generating ? Infinity : stopAt + 30_000);
    let stopAt = Infinity;
    while (generating || lo < reqs.length) {
      if (!generating && stopAt === Infinity) stopAt = Date.now();
      if (Date.now() > deadline()) break;
      const cycle = performance.now();
      while (lo < reqs.length && resolved(reqs[lo])) lo++;
      const oldest = reqs[lo];
      if (!oldest) {
        await sleep(POLL_MS);
        continue;
      }
      // Everything at or after the oldest request not yet seen, newest first, page by page.
      // A walk longer than MAX_PAGES goes on where it stopped in the next cycle: restarted
      // from the newest each time, an observer that fell more than MAX_PAGES pages behind
      // (a saturated machine) would never reach its oldest request again.
      const since = new Date((oldest.timestamp ?? oldest.sendWall) - 5).toISOString();
      let path: string | null = walk ?? `/api/interaction-logs/?limit=${PAGE}&since=${encodeURIComponent(since)}`;
      for (let page = 0; path && page < MAX_PAGES; page++) {
        const t = performance.now();
        const res: { status: number; body: FeedPage } = await obs.request<FeedPage>('GET', path);
        const now = performance.now();
        pollRtt.push(now - t);
        if (res.status !== 200) throw new Error(`feed answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
        for (const { id } of res.body.results) {
          if (seenIds.has(id)) continue;
          seenIds.set(id, now);
          const r = byId.get(id);
          if (r) r.seenAt = now;
        }
        const next: URL | null = res.body.next ? new URL(res.body.next, baseUrl) : null;
        path = next ? next.pathname + next.search : null;
      }
      walk = path;
      const wait = POLL_MS - (performance.now() - cycle);
      if (wait > 0) await sleep(wait);
    }
  })();
  observer.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"

  // Overload guard: at most one second's worth of requests in flight. Past that the API
  // is not keeping up; more would only queue in this client (and take minutes to drain),
  // so those sends are skipped and counted: the rate the API answered at says the rest.
  let inFlight = 0;
  let skipped = 0;
  const send = (measured: boolean) => {
    if (inFlight >= Math.max(100, rate)) {
      if (measured) skipped++;
      return;
    }
    inFlight++;
    const r: Req = { sendWall: Date.now(), sendAt: performance.now(), measured };
    reqs.push(r);
    const lead = leads[Math.floor(Math.random() * leads.length)];
    gen
      .request<{ id: string; timestamp: string }>('POST', `/api/leads/${lead}/log_interaction/`, {
        type: 'call',
        summary: 'Discussed pricing; follow-up scheduled for next week.',
      })
      .then(
        (res) => {
          inFlight--;
          r.answeredAt = performance.now();
          if (res.status !== 202) {
            r.failed = `HTTP ${res.status}`;
            return;
          }
          r.id = res.body.id;
          r.timestamp = Date.parse(res.body.timestamp);
          byId.set(r.id, r);
          const early = seenIds.get(r.id);
          if (early !== undefined) r.seenAt = early;
        },
        (e) => {
          inFlight--;
          r.answeredAt = performance.now();
          r.failed = (e as Error).message;
        },
      );
  };

  // Open loop: at each tick, send what the schedule says is due by now.
  const total = (warmupS + seconds) * rate;
  const t0 = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
    while (sent < due) {
      send(sent >= warmupS * rate);
      sent++;
    }
    await sleep(1);
  }
  const elapsed = (performance.now() - t0) / 1000;
  generating = false;
  await observer;

  const measured = reqs.filter((r) => r.measured);
  const failed = measured.filter((r) => r.failed);
  const done = measured.filter((r) => r.seenAt !== undefined && r.answeredAt !== undefined);
  const latencies = done.map((r) => Math.max(0, r.seenAt! - r.answeredAt!));
  const api = measured.filter((r) => r.answeredAt !== undefined && !r.failed).map((r) => r.answeredAt! - r.sendAt);
  const missing = measured.length - failed.length - done.length;
  // What the API really answered over the measured window: below `rate` when it cannot keep up.
  const answered = measured.filter((r) => r.answeredAt !== undefined && !r.failed);
  const lastAnswer = Math.max(...answered.map((r) => r.answeredAt!));
  const answeredRate = measured.length ? answered.length / ((lastAnswer - measured[0].sendAt) / 1000) : NaN;
  gen.close();
  obs.close();
  const stages = databaseUrl ? await stagesOf(databaseUrl, done) : null;
  const result = {
    stagesMs: stages,
    rate,
    achievedRate: sent / elapsed,
    answeredRate,
    skippedOverloaded: skipped,
    measured: measured.length,
    failed: failed.length,
    failures: [...new Set(failed.map((f) => f.failed))].slice(0, 5),
    missing,
    seenBeforeAnswer: done.filter((r) => r.seenAt! < r.answeredAt!).length,
    latencyMs: latencyProfile(latencies),
    postLatencyMs: latencyProfile(api),
    observerPollMs: latencyProfile(pollRtt),
  };
  log(
    `e2e ${rate}/s: sent at ${result.achievedRate.toFixed(0)}/s, answered at ${answeredRate.toFixed(0)}/s${skipped ? ` (${skipped} sends skipped: over a second's worth in flight)` : ''}, ${done.length} seen, ${failed.length} failed, ${missing} missing; ` +
      `p50 ${result.latencyMs.p50.toFixed(1)} ms p99 ${result.latencyMs.p99.toFixed(1)} ms; POST p99 ${result.postLatencyMs.p99.toFixed(1)} ms; poll p50 ${result.observerPollMs.p50.toFixed(1)} ms`,
  );
  if (stages)
    log(
      `  where the time goes (p50 / p99 ms): ` +
        Object.entries(stages)
          .map(([k, v]) => `${k} ${v.p50.toFixed(1)} / ${v.p99.toFixed(1)}`)
          .join('; '),
    );
  if (failed.length > measured.length * 0.01) throw new Error(`e2e ${rate}/s: ${failed.length} of ${measured.length} requests failed: ${result.failures.join(', ')}`);
  if (missing > 0) throw new Error(`e2e ${rate}/s: ${missing} logs never appeared in the feed within 30 s`);
  return result;
}

/**
 * Splits each log's way by the timestamps the pipeline leaves behind, all on this
 * machine's clock: the outbox row's created_at (set when the request built the event),
 * its sent_at (= now() of the relay transaction that claimed it, before publishing), the
 * log's logged_at (= now() of the logger's insert transaction), and when the 202 and
 * the feed page that first showed it arrived here.
 */
async function stagesOf(databaseUrl: string, done: Req[]) {
  const db = new Client({ connectionString: databaseUrl, application_name: 'bench e2e stages' });
  await db.connect();
  try {
    const { rows } = await db.query<{ id: string; created: number; sent: number; logged: number }>(
      `select l.id, extract(epoch from o.created_at) * 1000 as created, extract(epoch from o.sent_at) * 1000 as sent,
              extract(epoch from l.logged_at) * 1000 as logged
       from activity.interaction_log l join crm.outbox o on o.id = l.id where l.id = any($1::uuid[])`,
      [done.map((r) => r.id)],
    );
    const byId = new Map(done.map((r) => [r.id!, r]));
    const wall = (t: number) => performance.timeOrigin + t;
    const seg = {
      'event → 202 answer': [] as number[],
      'event → relay claim': [] as number[],
      'relay claim → logger insert': [] as number[],
      'logger insert → seen in feed': [] as number[],
    };
    for (const x of rows) {
      const r = byId.get(x.id);
      if (!r || x.sent === null) continue;
      seg['event → 202 answer'].push(wall(r.answeredAt!) - x.created);
      seg['event → relay claim'].push(x.sent - x.created);
      seg['relay claim → logger insert'].push(x.logged - x.sent);
      seg['logger insert → seen in feed'].push(wall(r.seenAt!) - x.logged);
    }
    return Object.fromEntries(Object.entries(seg).map(([k, v]) => [k, latencyProfile(v)]));
  } finally {
    await db.end();
  }
}
