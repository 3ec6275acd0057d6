/**
 * Interleaved A/B of how the feed's page query is planned, on a loaded database
 * (`BENCH_KEEP=1 BENCH_ONLY=feed npm run bench` leaves one): A = an unnamed statement,
 * planned at every call (what crm-api did), B = a named statement on a connection with
 * plan_cache_mode=force_generic_plan (what the feed pool does). Same lead ids, same
 * order, alternating A and B call by call, each on its own warm connection.
 *   DATABASE_URL=postgres://…/crm_bench_… node -r ts-node/register/transpile-only bench/feed-plans.ts
 */
import { Client } from 'pg';
import { FEED_POOL_SETTINGS } from '../apps/crm-api/src/feed/feed.prepared';
import { pgSettings } from '../libs/platform/src/pg-connections';

const ROUNDS = Number(process.env.ROUNDS ?? 2000);
const SQL = `select id, "timestamp", user_id, type, summary, lead_id, contact_id, opportunity_id, source, correlation_id, event_type, data
  from activity.interaction_log where lead_id = $1 order by "timestamp" desc, id desc limit 21`;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL: a loaded bench database');
  const a = new Client({ connectionString: url });
  const b = new Client({ connectionString: url, options: pgSettings(FEED_POOL_SETTINGS) });
  await Promise.all([a.connect(), b.connect()]);
  const leads = (await a.query<{ id: string }>(`select distinct lead_id as id from activity.interaction_log where lead_id is not null limit 500`)).rows.map((r) => r.id);
  const times = { a: [] as number[], b: [] as number[] };
  const once = async (which: 'a' | 'b', lead: string) => {
    const t = process.hrtime.bigint();
    if (which === 'a') await a.query(SQL, [lead]);
    else await b.query({ name: 'feed_page', text: SQL, values: [lead] });
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  for (let i = 0; i < 50; i++) await Promise.all([once('a', leads[i % leads.length]), once('b', leads[i % leads.length])]); // warm both
  for (let i = 0; i < ROUNDS; i++) {
    const lead = leads[i % leads.length];
    // Alternate which goes first, so neither always finds the pages the other just read.
    for (const which of i % 2 ? (['a', 'b'] as const) : (['b', 'a'] as const)) times[which].push(await once(which, lead));
  }
  for (const which of ['a', 'b'] as const) {
    const xs = times[which];
    console.log(
      `${which === 'a' ? 'A unnamed, planned each call ' : 'B prepared, generic plan    '}: p50 ${pct(xs, 50).toFixed(2)} ms  p99 ${pct(xs, 99).toFixed(2)} ms  (${xs.length} calls)`,
    );
  }
  await Promise.all([a.end(), b.end()]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
