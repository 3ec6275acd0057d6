/**
 * `npm run bench` (BENCH_QUICK=1: `npm run bench:quick`). Creates its own database and
 * vhost (crm_bench_<random>), migrates them with the built apps, measures each figure
 * CONFIG.runs times, prints one line per figure `name: median unit (min–max)` on stdout,
 * the target verdicts and progress on stderr, and writes .bench/results.json. The
 * database and vhost are dropped whatever happens (and swept by the next run if this
 * one is killed outright). See docs/benchmarks.md.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { apiLoad } from './api-load';
import { acceptedLogged, measureWrite, settled, WRITE_LABEL, WRITES, WriteTargets } from './writes';
import { drain } from './drain';
import { e2eLatency } from './e2e-latency';
import { exportThroughput, feedLatency, loadLogs, loadRollupRecords, randomLead } from './feed';
import { rawBroker } from './raw-broker';
import { rawDb } from './raw-db';
import { CONFIG, ROOT, wants } from './lib/config';
import { HttpClient } from './lib/http';
import { LoadSampler, waitForQuiet } from './lib/load';
import { log } from './lib/log';
import { machine } from './lib/machine';
import { runOnce, startApi, startLogger, stopAll } from './lib/procs';
import { Report } from './lib/report';
import { declareFigures } from './figures';
import { BenchStack, createStack, destroyStack, sweepStale } from './lib/resources';
import { withCpu } from './lib/stack-cpu';

const built = (app: string) => existsSync(join(ROOT, 'dist', 'apps', app, 'main.js'));

async function migrate(stack: BenchStack) {
  const env = { DATABASE_URL: stack.databaseUrl, AMQP_URL: stack.amqpUrl };
  if (built('crm-api')) await runOnce('crm-api', ['migrate'], env);
  if (built('activity-logger')) await runOnce('activity-logger', ['migrate'], env);
  else {
    // Only the raw figures can run without a build; they need the log table's shape.
    log('dist/apps/activity-logger/main.js missing: migrating the activity schema from source');
    const { migrateActivity } = await import('../apps/activity-logger/src/database/migrate');
    await migrateActivity(stack.databaseUrl);
  }
}

async function main() {
  const t0 = performance.now();
  const report = new Report();
  declareFigures(report);
  const needsApps = CONFIG.only.some((p) => p !== 'raw');
  if (needsApps && !(built('crm-api') && built('activity-logger'))) throw new Error('dist/apps/*/main.js missing: run `npm run build` (npm run bench does), or BENCH_ONLY=raw');
  const meta = await machine();
  log(
    `${CONFIG.quick ? 'QUICK' : 'full'} mode, ${CONFIG.runs} runs per figure; ${meta.nproc} × ${meta.cpuModel}, ${meta.ramGiB} GiB, Node ${meta.node}, PostgreSQL ${meta.postgres}, RabbitMQ ${meta.rabbitmq}`,
  );
  await sweepStale();
  const quiet = await waitForQuiet(CONFIG.waitQuietS);
  const load = new LoadSampler();
  let stack: BenchStack | undefined;
  const cleanup = async () => {
    await stopAll();
    if (stack && !CONFIG.keep)
      await destroyStack(stack).then(
        () => log(`dropped database and vhost ${stack!.name}`),
        (e) => log(e.message),
      );
    else if (stack) log(`BENCH_KEEP=1: kept database and vhost ${stack.name}`);
    stack = undefined;
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(sig, () => {
      log(`${sig}: stopping and cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });

  try {
    stack = await createStack();
    log(`database and vhost ${stack.name} created`);
    await migrate(stack);
    const env = { DATABASE_URL: stack.databaseUrl, AMQP_URL: stack.amqpUrl };
    const runs = CONFIG.runs;

    // Raw figures and the drain, interleaved run by run so each ratio compares one run's numbers.
    if (wants('raw') || wants('drain')) {
      for (let i = 1; i <= runs; i++) {
        log(`run ${i}/${runs}: raw broker, raw insert${wants('drain') ? ', drain' : ''}`);
        const rb = await rawBroker(stack.amqpUrl, CONFIG.rawBrokerMessages, CONFIG.batchSize);
        report.add('raw.publish', rb.publishPerS, rb);
        report.add('raw.consume', rb.consumePerS);
        const r1 = await rawDb(stack.databaseUrl, CONFIG.rawDbRows, CONFIG.batchSize, 1);
        report.add('raw.insert.1', r1.rowsPerS, r1);
        const r2 = await rawDb(stack.databaseUrl, CONFIG.rawDbRows, CONFIG.batchSize, 2);
        report.add('raw.insert.2', r2.rowsPerS, r2);
        report.add('raw.insert.1.cpu', r1.pgCpuUsPerRow);
        if (CONFIG.analyse) {
          // Where the drain's gap to the raw insert comes from: batch size and statement shape, same run.
          for (const [batch, shape] of [
            [200, 'values'],
            [500, 'logger'],
            [200, 'logger'],
          ] as const) {
            const v = await rawDb(stack.databaseUrl, CONFIG.rawDbRows, batch, 1, shape);
            report.add(`analyse.insert.${shape}.${batch}`, v.rowsPerS, v);
          }
        }
        log(
          `raw: publish ${rb.publishPerS.toFixed(0)} msg/s, consume ${rb.consumePerS.toFixed(0)} msg/s, insert ${r1.rowsPerS.toFixed(0)} / ${r2.rowsPerS.toFixed(0)} rows/s (1 / 2 connections)`,
        );
        if (!wants('drain')) continue;
        const d1 = await drain(stack, CONFIG.backlog, 1);
        report.add('drain.1', d1.logsPerS, d1);
        report.add('drain.1.ratio', d1.logsPerS / r1.rowsPerS);
        report.add('mem.logger.1', Math.max(...d1.peakRssMb));
        const per = (ms: number) => (ms * 1000) / d1.events;
        report.add('drain.1.cpu.logger', per(d1.cpu.groups.loggers));
        report.add('drain.1.cpu.pg', per(d1.cpu.groups.postgres));
        report.add('drain.1.cpu.rabbit', per(d1.cpu.groups.rabbitmq));
        const ours = d1.cpu.groups.loggers + d1.cpu.groups.postgres + d1.cpu.groups.rabbitmq;
        report.add('drain.1.others', (100 * Math.max(0, d1.cpu.machineBusyMs - ours)) / d1.cpu.machineTotalMs);
        const d2 = await drain(stack, CONFIG.backlog, 2);
        report.add('drain.2', d2.logsPerS, d2);
        report.add('drain.2.ratio', d2.logsPerS / r2.rowsPerS);
        report.add('mem.logger.2', Math.max(...d2.peakRssMb));
      }
    }

    if (wants('e2e') || wants('api') || wants('feed')) {
      const api = await startApi(env, 'crm-api');
      const logger = await startLogger(env, 'logger-e2e');
      report.notes.rssAtReadyMb = { crmApi: api.rssMb(), logger: logger.rssMb() };
      const http = new HttpClient(api.url);
      const token = await http.login();

      if (wants('e2e')) {
        const leads: string[] = [];
        for (let i = 0; i < 50; i++) leads.push((await http.json<{ id: string }>('POST', '/api/leads/', { name: `E2E Lead ${i}`, company: 'ACME Corp' }, 201)).id);
        for (let i = 1; i <= runs; i++)
          for (const rate of CONFIG.e2eRates) {
            const e = await e2eLatency(api.url, token, leads, rate, CONFIG.e2eWarmupS, CONFIG.e2eSeconds, stack.databaseUrl);
            report.add(`e2e.${rate}.answered`, e.answeredRate);
            report.add(`e2e.${rate}.p50`, e.latencyMs.p50, e);
            report.add(`e2e.${rate}.p99`, e.latencyMs.p99);
          }
      }

      if (wants('api')) {
        // The writes, interleaved run by run so each PATCH's ratio compares one run's numbers; the logger keeps up throughout.
        const targets = await WriteTargets.seed([http], CONFIG.writeRecords);
        const apps = { crmApi: api, logger };
        for (let i = 1; i <= runs; i++) {
          let postUs = NaN;
          for (const w of WRITES) {
            await settled(api.url, logger.url);
            const r = await measureWrite(targets, w, {
              apiUrl: api.url,
              token,
              databaseUrl: stack.databaseUrl,
              loggerUrl: logger.url,
              apps,
              connections: CONFIG.apiConnections,
              seconds: CONFIG.apiSeconds,
              label: `${WRITE_LABEL[w]} run ${i}`,
            });
            const { accepted, ...detail } = r;
            report.add(`api.${w}.rps`, r.reqPerS, detail);
            report.add(`api.${w}.p99`, r.p99Ms);
            report.add(`api.${w}.cpu.api`, r.perRequestUs.crmApi);
            report.add(`api.${w}.cpu.pg`, r.perRequestUs.postgres);
            report.add(`api.${w}.cpu.rabbit`, r.perRequestUs.rabbitmq);
            report.add(`api.${w}.cpu.logger`, r.perRequestUs.logger);
            report.add(`api.${w}.cpu.total`, r.totalUs);
            if (w !== 'post') report.add(`api.${w}.ratio`, r.totalUs / postUs);
            else {
              postUs = r.totalUs;
              const l = await acceptedLogged(stack.databaseUrl, accepted, r.loadEnd);
              log(`  every accepted lead logged: ${l.logged} of ${l.accepted}, the last ${l.lastAfterMs.toFixed(0)} ms after the load's end`);
              report.add('api.post.accepted', l.accepted);
              report.add('api.post.logged', l.logged);
              report.add('api.post.logged.last', l.lastAfterMs);
            }
          }
        }
        await settled(api.url, logger.url);
      }

      if (wants('feed')) {
        const load = await loadLogs(stack.databaseUrl, CONFIG.feedLogs, CONFIG.feedLeads);
        report.notes.feedLoad = load;
        await loadRollupRecords(stack.databaseUrl, CONFIG.feedLeads);
        for (let i = 1; i <= runs; i++) {
          const f = await feedLatency(api.url, token, stack.databaseUrl, CONFIG.feedLeads, CONFIG.feedSamples);
          report.add('feed.lead.http.p50', f.lead.http.p50, i === 1 ? f : undefined);
          report.add('feed.lead.http.p99', f.lead.http.p99);
          report.add('feed.recent.http.p50', f.recent.http.p50);
          report.add('feed.recent.http.p99', f.recent.http.p99);
          report.add('feed.lead.sql.p50', f.lead.sql.p50);
          report.add('feed.lead.sql.p99', f.lead.sql.p99);
          report.add('feed.recent.sql.p50', f.recent.sql.p50);
          report.add('feed.recent.sql.p99', f.recent.sql.p99);
          report.add('feed.rollup.http.p50', f.rollup.http.p50);
          report.add('feed.rollup.http.p99', f.rollup.http.p99);
          report.add('feed.rollup.sql.p50', f.rollup.sql.p50);
          report.add('feed.rollup.sql.p99', f.rollup.sql.p99);
        }
        for (let i = 1; i <= runs; i++) {
          const x = await exportThroughput(api.url, token, api);
          report.add('feed.export.rps', x.rowsPerS, x);
          report.add('feed.export.rss', x.peakRssMb);
        }
        if (wants('api'))
          for (let i = 1; i <= runs; i++) {
            const r = await withCpu(stack.databaseUrl, { crmApi: api }, () =>
              apiLoad({
                url: api.url,
                token,
                method: 'GET',
                path: () => `/api/interaction-logs/?lead=${randomLead(CONFIG.feedLeads)}`,
                connections: CONFIG.apiConnections,
                seconds: CONFIG.apiSeconds,
                label: `GET feed first page run ${i}`,
              }),
            );
            report.add('api.feed.rps', r.reqPerS, r);
            report.add('api.feed.p99', r.p99Ms);
          }
      }
      report.add('mem.api', api.peakRssMb());
      http.close();
    }
  } finally {
    await cleanup();
  }

  const seconds = (performance.now() - t0) / 1000;
  const lines = report.lines();
  process.stdout.write(`${lines.join('\n')}\n`);
  if (CONFIG.quick) log("quick mode: sizes far below the targets' (5,000-event backlog, 20,000 logs): the verdicts below only show the harness works");
  for (const v of report.verdicts()) process.stderr.write(`target ${v}\n`);
  const loadDuringRun = load.stop();
  if (loadDuringRun) log(`1-min load average during the run: median ${loadDuringRun.median.toFixed(2)}, max ${loadDuringRun.max.toFixed(2)} (${meta.nproc} cores)`);
  // Every run keeps its own file; results.json (what `bench:report` renders) is only
  // replaced by a complete full run, so a quick or partial run never overwrites it.
  const complete = !CONFIG.quick && ['raw', 'drain', 'e2e', 'api', 'feed'].every(wants);
  const data = { mode: CONFIG.quick ? 'quick' : 'full', parts: CONFIG.only, config: CONFIG, machine: meta, seconds: Math.round(seconds), quietAtStart: quiet, loadDuringRun };
  const file = report.write(data, `results-${data.mode}-${meta.date.replace(/[:.]/g, '-')}.json`);
  if (complete) report.write(data, 'results.json');
  else if (CONFIG.quick) report.write(data, 'results-quick.json');
  log(`done in ${seconds.toFixed(0)} s; results in ${file}${complete ? ' and .bench/results.json' : ''}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    log(`FAILED: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
