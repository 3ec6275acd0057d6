import { performance } from 'node:perf_hooks';
import { Client, Pool } from 'pg';
import { addMonths, createPartitions, isPartitioned, monthOf, monthsBetween } from '../apps/activity-logger/src/database/partitions';
import { pgSettings } from '../libs/platform/src/pg-connections';
import { FEED_POOL_SETTINGS } from '../apps/crm-api/src/feed/feed.prepared';
import { FeedRepository } from '../apps/crm-api/src/feed/feed.repository';
import { resolveRollup } from '../apps/crm-api/src/feed/feed.rollup';
import type { Policy } from '../apps/crm-api/src/auth/policy';
import type { Caller } from '../apps/crm-api/src/common/request-context';
import { HttpClient } from './lib/http';
import { log } from './lib/log';
import { latencyProfile } from './lib/stats';

/**
 * A deterministic, valid (RFC 9562 version 4 / variant 8) UUID per entity number, the
 * same in SQL and here, so the benchmark can name leads without reading them back.
 */
export const uuidSql = (kind: string, k: string) => `overlay(overlay(md5('${kind}-' || (${k})::text) placing '4' from 13) placing '8' from 17)::uuid`;

export function uuidOf(kind: string, k: number): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const h = require('node:crypto').createHash('md5').update(`${kind}-${k}`).digest('hex') as string;
  const s = `${h.slice(0, 12)}4${h.slice(13, 16)}8${h.slice(17)}`;
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/**
 * Fills activity.interaction_log with `n` logs straight in SQL (INSERT ... SELECT
 * generate_series, in chunks of 100,000), spread like a sales team's history: two years
 * of timestamps, 50 users, `leads` leads with a skewed share (random()² : a few hot
 * leads with thousands of logs, most with a few dozen), 40 % with a contact, 25 % with an
 * opportunity, four log types, 70 % automatic. Then VACUUM ANALYZE, as autovacuum would
 * have done on a table of that age.
 */
export async function loadLogs(databaseUrl: string, n: number, leads: number) {
  const db = new Client({ connectionString: databaseUrl, application_name: 'bench feed load' });
  await db.connect();
  try {
    await db.query('truncate activity.interaction_log');
    // The log is partitioned by month: the 24 months of history need theirs (the logger
    // makes them for backdated logs; this load writes straight in SQL).
    const query = (sql: string, params?: unknown[]) => db.query(sql, params);
    if (await isPartitioned(query)) await createPartitions(query, monthsBetween(addMonths(monthOf(new Date()), -25), monthOf(new Date())));
    const t0 = performance.now();
    const chunk = 100_000;
    for (let from = 1; from <= n; from += chunk) {
      const to = Math.min(n, from + chunk - 1);
      await db.query(`
        insert into activity.interaction_log
          (id, "timestamp", user_id, type, summary, lead_id, contact_id, opportunity_id, source,
           event_type, event_version, correlation_id, data, logged_at)
        select gen_random_uuid(), ts, ${uuidSql('user', 'u')},
               (array['call','email','meeting','note'])[1 + (g % 4)],
               'Lead ' || l || ' ' || (array['qualified as a potential customer','contacted for the first time',
                 'Talked about the renewal and next steps','moved to proposal stage - preparing quote'])[1 + (g % 4)],
               case when has_lead then ${uuidSql('lead', 'l')} end,
               case when random() < 0.4 then ${uuidSql('contact', 'l / 2')} end,
               case when random() < 0.25 then ${uuidSql('opportunity', 'l / 3')} end,
               case when random() < 0.7 then 'auto' else 'manual' end,
               'lead.status_changed', 1, gen_random_uuid(),
               jsonb_build_object('lead_id', ${uuidSql('lead', 'l')}, 'name', 'Lead ' || l, 'field', 'status',
                 'old_value', 'new', 'new_value', 'qualified', 'actor', jsonb_build_object('id', ${uuidSql('user', 'u')}, 'name', 'Rep ' || u)),
               ts + interval '50 milliseconds'
        from (
          select g, now() - random() * interval '730 days' as ts, floor(random() * 50)::int as u,
                 floor(random() ^ 2 * ${leads})::int as l, random() < 0.7 as has_lead
          from generate_series(${from}, ${to}) g
        ) s`);
      log(`feed: ${to.toLocaleString('en')} / ${n.toLocaleString('en')} logs loaded`);
    }
    await db.query('vacuum analyze activity.interaction_log');
    // A partitioned table's own size is 0: add its partitions up.
    const { rows } = await db.query<{ size: string; partitions: number }>(
      `select pg_size_pretty(coalesce(sum(pg_total_relation_size(relid)), 0)) as size, count(*)::int as partitions
       from pg_partition_tree('activity.interaction_log') where isleaf`,
    );
    const seconds = (performance.now() - t0) / 1000;
    log(`feed: ${n} logs loaded and analysed in ${seconds.toFixed(0)} s (${rows[0].size} with indexes, ${rows[0].partitions} partitions)`);
    return { seconds, size: rows[0].size, partitions: rows[0].partitions };
  } finally {
    await db.end();
  }
}

/**
 * The CRM records behind the loaded logs' contacts, for the rolled-up timeline: contact k
 * (the logs of leads 2k and 2k+1 name it) with the opportunities those leads' logs name
 * (l / 3), a quote on each, a task on the contact, and three logs of each quote and task
 * (found by `data` ->> quote_id / task_id). `leads / 2` contacts in all.
 */
export async function loadRollupRecords(databaseUrl: string, leads: number) {
  const db = new Client({ connectionString: databaseUrl, application_name: 'bench feed rollup records' });
  await db.connect();
  const contacts = Math.ceil(leads / 2);
  try {
    const owner = `(select id from crm.users order by created_at limit 1)`;
    await db.query(`insert into crm.contacts (id, name) select ${uuidSql('contact', 'k')}, 'Contact ' || k from generate_series(0, ${contacts - 1}) k`);
    await db.query(`insert into crm.opportunities (id, name, owner_id, contact_id)
      select distinct on (j) ${uuidSql('opportunity', 'j')}, 'Opportunity ' || j, ${owner}, ${uuidSql('contact', 'k')}
      from generate_series(0, ${contacts - 1}) k, unnest(array[(2 * k) / 3, (2 * k + 1) / 3]) j order by j, k`);
    await db.query(`insert into crm.quotes (id, title, total_price, opportunity_id)
      select ${uuidSql('quote', 'j')}, 'Quote ' || j, 100, ${uuidSql('opportunity', 'j')} from generate_series(0, ${Math.floor((2 * contacts - 1) / 3)}) j`);
    await db.query(`insert into crm.tasks (id, action, target, contact_id)
      select ${uuidSql('task', 'k')}, 'Call', 'Contact ' || k, ${uuidSql('contact', 'k')} from generate_series(0, ${contacts - 1}) k`);
    for (const [kind, count, link] of [
      ['quote', Math.floor((2 * contacts - 1) / 3) + 1, 'opportunity_id'],
      ['task', contacts, 'contact_id'],
    ] as const) {
      const owner = kind === 'quote' ? 'opportunity' : 'contact';
      await db.query(`insert into activity.interaction_log
          (id, "timestamp", user_id, type, summary, ${link}, source, event_type, event_version, correlation_id, data)
        select gen_random_uuid(), now() - random() * interval '700 days', ${uuidSql('user', '0')}, 'note', '${kind} log ' || k,
               ${uuidSql(owner, 'k')}, 'auto', '${kind === 'quote' ? 'quote.created' : 'task.completed'}', 1, gen_random_uuid(),
               jsonb_build_object('${kind}_id', ${uuidSql(kind, 'k')}::text)
        from generate_series(0, ${count - 1}) k, generate_series(1, 3)`);
    }
    await db.query('analyze');
    log(`feed: CRM records for ${contacts.toLocaleString('en')} contacts' rolled-up timelines loaded`);
  } finally {
    await db.end();
  }
}

/** A contact picked uniformly (its leads' logs, two opportunities, their quotes, a task). */
export const randomContact = (leads: number) => uuidOf('contact', Math.floor(Math.random() * Math.ceil(leads / 2)));

/** What the service does for rollup=true: read the members, then the merged page (an admin reads everything). */
const everything = { readableIdsSql: () => null, readsAll: () => true } as unknown as Policy;
const admin = { id: '00000000-0000-4000-8000-000000000000', role: 'admin' } as unknown as Caller;

/** A lead picked like a rep would open one: uniformly among all leads (most have a few dozen logs). */
export const randomLead = (leads: number) => uuidOf('lead', Math.floor(Math.random() * leads));

/**
 * The feed pages the benchmark reads, each as a request over HTTP and as the same page's
 * SQL alone (crm-api's own FeedRepository and rollup resolution): a random lead's first
 * page, the 20 most recent, a random contact's rolled-up first page.
 */
export function feedPages(repo: FeedRepository, leads: number) {
  return {
    lead: { http: () => `/api/interaction-logs/?lead=${randomLead(leads)}`, sql: () => repo.page({ lead: randomLead(leads) }, 21) },
    recent: { http: () => '/api/interaction-logs/?limit=20', sql: () => repo.page({}, 21) },
    rollup: {
      http: () => `/api/interaction-logs/?contact=${randomContact(leads)}&rollup=true`,
      sql: async () => {
        const contact = randomContact(leads);
        const rollupOf = await resolveRollup(repo, everything, admin, { type: 'contact', id: contact });
        return repo.page({ contact, rollup: true, rollupOf }, 21);
      },
    },
  };
}

/**
 * The feed's two pages, measured one request at a time (no concurrency: this is the
 * latency of one page, not of a queue): through crm-api over HTTP, and the repository's
 * own SQL (crm-api's FeedRepository, imported from source) on a pool of one connection.
 */
export async function feedLatency(baseUrl: string, token: string, databaseUrl: string, leads: number, samples: number) {
  const http = new HttpClient(baseUrl, 1);
  http.token = token;
  // The feed pool's own settings (generic plans), so "SQL only" is what crm-api runs.
  const pool = new Pool({ connectionString: databaseUrl, max: 1, application_name: 'bench feed sql', options: pgSettings(FEED_POOL_SETTINGS) });
  const seen: { text: string; values: unknown[] }[] = [];
  const recording = {
    query: (text: string | { text: string; values: unknown[] }, values: unknown[]) => {
      // A prepared statement (rolled-up pages) comes as a config object.
      seen.push(typeof text === 'string' ? { text, values } : { text: text.text, values: text.values });
      return pool.query(text as string, values);
    },
  } as unknown as Pool;
  const repo = new FeedRepository(recording);
  try {
    const pages = feedPages(repo, leads);
    const out: Record<string, { http: ReturnType<typeof latencyProfile>; sql: ReturnType<typeof latencyProfile>; rows: number; plan: string }> = {};
    for (const [name, page] of Object.entries(pages)) {
      for (let i = 0; i < Math.min(100, samples); i++) {
        await http.json('GET', page.http(), undefined, 200); // warm-up: caches, JIT, plans
        await page.sql();
      }
      const h: number[] = [];
      let rows = 0;
      for (let i = 0; i < samples; i++) {
        const t = performance.now();
        const body = await http.json<{ results: unknown[] }>('GET', page.http(), undefined, 200);
        h.push(performance.now() - t);
        rows += body.results.length;
      }
      const s: number[] = [];
      for (let i = 0; i < samples; i++) {
        const t = performance.now();
        await page.sql();
        s.push(performance.now() - t);
      }
      seen.length = 0;
      await page.sql();
      const q = seen[seen.length - 1];
      const { rows: plan } = await pool.query(`explain (analyze, buffers, timing) ${q.text}`, q.values);
      out[name] = { http: latencyProfile(h), sql: latencyProfile(s), rows: rows / samples, plan: plan.map((r) => r['QUERY PLAN']).join('\n') };
      log(
        `feed ${name}: HTTP p50 ${out[name].http.p50.toFixed(2)} p99 ${out[name].http.p99.toFixed(2)} ms; SQL p50 ${out[name].sql.p50.toFixed(2)} p99 ${out[name].sql.p99.toFixed(2)} ms; ${out[name].rows.toFixed(1)} rows/page`,
      );
    }
    return out;
  } finally {
    http.close();
    await pool.end();
  }
}

/**
 * GET /api/interaction-logs/export/?format=csv of every log, read as fast as the client
 * can: rows per second, and crm-api's peak RSS meanwhile (its memory must stay flat
 * whatever the size: pages of EXPORT_PAGE_SIZE, written with backpressure).
 */
export async function exportThroughput(baseUrl: string, token: string, api: { rssMb(): number }) {
  let peak = api.rssMb();
  const before = peak;
  const sampler = setInterval(() => (peak = Math.max(peak, api.rssMb())), 100);
  const t = performance.now();
  let rows = -1; // the header
  let bytes = 0;
  // RSS after each 100,000 rows: flat, not growing with the rows, is the point.
  const trajectory: number[] = [];
  try {
    const res = await fetch(new URL('/api/interaction-logs/export/?format=csv', baseUrl), { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`export answered ${res.status}: ${await res.text()}`);
    const reader = res.body!.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      bytes += value.length;
      // Records end with CRLF; a quoted summary may hold one too, rarely: close enough for a rate.
      for (let i = 0; i < value.length; i++) if (value[i] === 10 && value[i - 1] === 13 && ++rows % 100_000 === 0) trajectory.push(Math.round(api.rssMb()));
    }
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - t) / 1000;
  const out = { rows, bytes, seconds, rowsPerS: rows / seconds, rssBeforeMb: before, peakRssMb: Math.max(peak, api.rssMb()), rssEvery100kRowsMb: trajectory };
  log(
    `feed export: ${rows.toLocaleString('en')} rows (${(bytes / 1e6).toFixed(0)} MB) in ${seconds.toFixed(1)} s, ${out.rowsPerS.toFixed(0)} rows/s; ` +
      `crm-api RSS ${Math.round(before)} → peak ${Math.round(out.peakRssMb)} MB (every 100,000 rows: ${trajectory.join(', ')})`,
  );
  return out;
}
