// Every figure the bench measures, with its name, unit, precision and target: bench/run.ts declares
// them on its report before measuring (Report.add refuses a figure not declared here).
import { CONFIG } from './lib/config';
import { Report } from './lib/report';

const atLeast = (t: number) => ({ text: `≥ ${t}`, met: (m: number) => m >= t });
const below = (t: number) => ({ text: `< ${t}`, met: (m: number) => m < t });
const atMost = (t: number) => ({ text: `≤ ${t}`, met: (m: number) => m <= t });

export function declareFigures(r: Report) {
  const n = CONFIG.backlog.toLocaleString('en');
  const b = CONFIG.batchSize;
  r.declare('raw.publish', 'raw broker: publish, confirms, quorum queue', 'msg/s');
  r.declare('raw.consume', 'raw broker: consume, acks, quorum queue', 'msg/s');
  r.declare('raw.insert.1', `raw PostgreSQL: multi-row insert, ${b} rows/statement, 1 connection`, 'rows/s');
  r.declare('raw.insert.2', `raw PostgreSQL: multi-row insert, ${b} rows/statement, 2 connections`, 'rows/s');
  if (CONFIG.analyse) {
    r.declare('analyse.insert.values.200', 'analysis: raw multi-row insert, 200 rows/statement, 1 connection', 'rows/s');
    r.declare('analyse.insert.logger.500', "analysis: the logger's own statement (JSON batch, jsonb_to_recordset, notify), 500 rows, 1 connection", 'rows/s');
    r.declare('analyse.insert.logger.200', "analysis: the logger's own statement (JSON batch, jsonb_to_recordset, notify), 200 rows, 1 connection", 'rows/s');
  }
  r.declare('raw.insert.1.cpu', 'raw PostgreSQL insert, 1 connection: PostgreSQL CPU per row', 'µs', 1);
  r.declare('drain.1', `logger drain: ${n}-event backlog, 1 logger`, 'logs/s');
  r.declare('drain.1.ratio', 'logger drain: 1 logger / raw insert (1 connection), same run', '×', 2, atLeast(0.5));
  r.declare('drain.1.cpu.logger', 'logger drain, 1 logger: logger CPU per log', 'µs', 1, atMost(25));
  r.declare('drain.1.cpu.pg', 'logger drain, 1 logger: PostgreSQL CPU per log', 'µs', 1);
  r.declare('drain.1.cpu.rabbit', 'logger drain, 1 logger: RabbitMQ CPU per log', 'µs', 1);
  r.declare('drain.1.others', 'logger drain, 1 logger: share of the 2 cores used by everything else meanwhile', '%', 0);
  r.declare('drain.2', `logger drain: ${n}-event backlog, 2 loggers`, 'logs/s');
  r.declare('drain.2.ratio', 'logger drain: 2 loggers / raw insert (2 connections), same run', '×', 2, atLeast(0.5));
  for (const rate of CONFIG.e2eRates) {
    r.declare(`e2e.${rate}.answered`, `end to end at ${rate} events/s: rate the API answered at`, 'req/s');
    r.declare(`e2e.${rate}.p50`, `end to end at ${rate} events/s: API answer to log in the feed, p50`, 'ms', 1);
    r.declare(`e2e.${rate}.p99`, `end to end at ${rate} events/s: API answer to log in the feed, p99`, 'ms', 1, rate === 1000 ? below(100) : undefined);
  }
  const c = CONFIG.apiConnections;
  // The writes (issue 11): each load's CPU counted until the logger has logged every write it accepted.
  const writes = [
    ['post', 'API POST /api/leads/', atMost(400), atMost(800)],
    ['patch.lead', "API PATCH a lead's status", undefined, undefined],
    ['patch.opp', "API PATCH an opportunity's stage", undefined, undefined],
  ] as const;
  for (const [w, what, apiTarget, totalTarget] of writes) {
    const name = `${what}, ${c} connections`;
    r.declare(`api.${w}.rps`, `${name}: throughput`, 'req/s', 0, w === 'post' ? atLeast(2000) : undefined);
    r.declare(`api.${w}.p99`, `${name}: p99`, 'ms', 1, w === 'post' ? below(50) : undefined);
    r.declare(`api.${w}.cpu.api`, `${name}: crm-api CPU per request`, 'µs', 0, apiTarget);
    r.declare(`api.${w}.cpu.pg`, `${name}: PostgreSQL CPU per request (relay and logger sessions included)`, 'µs');
    r.declare(`api.${w}.cpu.rabbit`, `${name}: RabbitMQ CPU per request`, 'µs');
    r.declare(`api.${w}.cpu.logger`, `${name}: logger CPU per request`, 'µs');
    r.declare(`api.${w}.cpu.total`, `${name}: whole-system CPU per request (crm-api + PostgreSQL + RabbitMQ + logger)`, 'µs', 0, totalTarget);
    if (w === 'post') {
      r.declare('api.post.accepted', `${name}: leads accepted (201)`, 'leads');
      r.declare('api.post.logged', `${name}: of them with their lead.created log (all, or the bench fails)`, 'leads');
      r.declare('api.post.logged.last', `${name}: the last accepted lead's log, after the load's end`, 'ms');
    } else r.declare(`api.${w}.ratio`, `${name}: whole-system CPU per request / POST's, same run`, '×', 2, atMost(1.5));
  }
  r.declare('api.feed.rps', `API GET feed first page (?lead=), ${c} connections: throughput`, 'req/s');
  r.declare('api.feed.p99', `API GET feed first page (?lead=), ${c} connections: p99`, 'ms', 1);
  const logs = CONFIG.feedLogs.toLocaleString('en');
  r.declare('feed.lead.http.p50', `feed with ${logs} logs: a lead's first page over HTTP, p50`, 'ms', 2);
  r.declare('feed.lead.http.p99', `feed with ${logs} logs: a lead's first page over HTTP, p99`, 'ms', 2, below(10));
  r.declare('feed.recent.http.p50', `feed with ${logs} logs: recent 20 over HTTP, p50`, 'ms', 2);
  r.declare('feed.recent.http.p99', `feed with ${logs} logs: recent 20 over HTTP, p99`, 'ms', 2, below(10));
  r.declare('feed.rollup.http.p50', `feed with ${logs} logs: a contact's rolled-up first page over HTTP, p50`, 'ms', 2);
  r.declare('feed.rollup.http.p99', `feed with ${logs} logs: a contact's rolled-up first page over HTTP, p99`, 'ms', 2, below(10));
  r.declare('feed.rollup.sql.p50', `feed with ${logs} logs: a contact's rolled-up first page, members + SQL, p50`, 'ms', 2);
  r.declare('feed.rollup.sql.p99', `feed with ${logs} logs: a contact's rolled-up first page, members + SQL, p99`, 'ms', 2);
  r.declare('feed.export.rps', `feed export of ${logs} logs as CSV: throughput`, 'rows/s');
  r.declare('feed.export.rss', `feed export of ${logs} logs as CSV: crm-api peak RSS`, 'MB', 0, below(300));
  r.declare('feed.lead.sql.p50', `feed with ${logs} logs: a lead's first page, SQL only, p50`, 'ms', 2);
  r.declare('feed.lead.sql.p99', `feed with ${logs} logs: a lead's first page, SQL only, p99`, 'ms', 2);
  r.declare('feed.recent.sql.p50', `feed with ${logs} logs: recent 20, SQL only, p50`, 'ms', 2);
  r.declare('feed.recent.sql.p99', `feed with ${logs} logs: recent 20, SQL only, p99`, 'ms', 2);
  r.declare('mem.logger.1', 'memory: peak RSS of the logger draining alone', 'MB', 0, below(200));
  r.declare('mem.logger.2', 'memory: peak RSS of each of 2 loggers draining (largest)', 'MB', 0, below(200));
  r.declare('mem.api', 'memory: peak RSS of crm-api over the whole run (API load included)', 'MB', 0, below(300));
}
