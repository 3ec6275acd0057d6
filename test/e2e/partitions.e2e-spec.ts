import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { Client, Pool, QueryConfig } from 'pg';
import { pgSettings } from '@app/platform';
import { buildEvent, CrmEvent, EXCHANGE, messageProperties } from '@app/contracts';
import { Migration20261202000100_recorded_at } from '../../apps/activity-logger/src/database/migrations/Migration20261202000100_recorded_at';
import { Migration20261127000100_activity } from '../../apps/activity-logger/src/database/migrations/Migration20261127000100_activity';
import { FEED_POOL_SETTINGS } from '../../apps/crm-api/src/feed/feed.prepared';
import { FeedRepository } from '../../apps/crm-api/src/feed/feed.repository';
import { AppProcess, eventually, isolatedStack, IsolatedStack, migrate, startLogger, uniq } from '../utils';

jest.setTimeout(600_000);

const DAY_MS = 86_400_000;
/** Logs written by the previous schema, spread over 24 months. */
const OLD_LOGS = 20_000;
const ACTOR = { id: '0b8f3f4e-3f0c-4c56-9a55-2a3c7e1d0a01', name: 'Partition Tester' };

/**
 * Issue 12, part 3: activity.interaction_log partitioned by month. An installation with
 * the previous (plain) table migrates while a logger writes, losing nothing; dedup stays
 * exact; a backdated log gets its month; the feed's pages read only the partitions they need.
 */
describe('the partitioned log', () => {
  let stack: IsolatedStack;
  let db: Client;
  let logger: AppProcess | undefined;

  beforeAll(async () => {
    stack = await isolatedStack();
    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await logger?.stop();
    await db?.end();
    await stack?.destroy();
  });

  const partitionOf = async (id: string) =>
    (await db.query<{ p: string }>('select tableoid::regclass::text as p from activity.interaction_log where id = $1', [id])).rows.map((r) => r.p);

  it('migrates a plain table of the previous schema while a logger writes: every log kept once, each in its month', async () => {
    // The previous schema, as its own migration wrote it, in place of the partitioned table.
    await db.query(`drop table activity.interaction_log cascade`);
    const previous = new Migration20261127000100_activity(undefined as never, undefined as never);
    await previous.up();
    for (const q of previous.getQueries()) if (!/create schema/.test(String(q))) await db.query(String(q));
    // ...and as the migrations between then and partitioning changed it (the archive table
    // was left in place by the drop, so only the log's own statements).
    const recordedAt = new Migration20261202000100_recorded_at(undefined as never, undefined as never);
    await recordedAt.up();
    for (const q of recordedAt.getQueries()) if (/"interaction_log" add/.test(String(q))) await db.query(String(q));
    // Partitioning, and what came after it in the list (the log's edit columns), run again.
    await db.query(`delete from activity.activity_migrations where name like '%partitioned_log%' or name like '%log_edits%'`);
    expect(await relkind()).toBe('r');
    await db.query(
      `insert into activity.interaction_log (id, "timestamp", user_id, type, summary, source, event_type, event_version, correlation_id, data)
       select gen_random_uuid(), now() - (i % 730) * interval '1 day' - (i % 997) * interval '1 second', $2::uuid, 'note', 'old log ' || i,
              'auto', 'lead.created', 1, gen_random_uuid(), '{}'::jsonb
       from generate_series(1, $1::int) as i`,
      [OLD_LOGS, ACTOR.id],
    );

    // A logger writes (into the plain table, then the partitioned one) all along.
    logger = await startLogger(stack.env);
    const broker = await connect(stack.amqpUrl);
    const channel = await broker.createConfirmChannel();
    const published: CrmEvent[] = [];
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const e = note(uniq('during migration'));
        channel.publish(EXCHANGE, e.type, Buffer.from(JSON.stringify(e)), messageProperties(e));
        await channel.waitForConfirms();
        published.push(e);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      await eventually(() => expect(published.length).toBeGreaterThan(20), { timeout: 30_000 });
      const started = Date.now();
      await migrate(stack.databaseUrl);
      process.stderr.write(`[partitions] migrated ${OLD_LOGS} old logs in ${Date.now() - started} ms while ${published.length} events were published\n`);
      // And on for a while after the swap.
      const atSwap = published.length;
      await eventually(() => expect(published.length).toBeGreaterThan(atSwap + 20), { timeout: 30_000 });
    } finally {
      writing = false;
      await writer;
      await broker.close();
    }

    expect(await relkind()).toBe('p');
    const ids = published.map((e) => e.id);
    await eventually(
      async () => {
        const { rows } = await db.query<{ n: number; distinct_ids: number }>(
          `select count(*)::int as n, count(distinct id)::int as distinct_ids from activity.interaction_log where id = any($1::uuid[])`,
          [ids],
        );
        expect(rows[0]).toEqual({ n: ids.length, distinct_ids: ids.length });
      },
      { timeout: 60_000 },
    );
    const { rows: counts } = await db.query<{ old: number; total: number; kept: number }>(
      `select (select count(*)::int from activity.interaction_log where summary like 'old log %') as old,
              (select count(*)::int from activity.interaction_log) as total,
              (select count(*)::int from activity.interaction_log_before_partitioning) as kept`,
    );
    expect(counts[0]).toMatchObject({ old: OLD_LOGS, total: OLD_LOGS + ids.length });
    expect(counts[0].kept).toBeLessThanOrEqual(counts[0].total); // the plain table, kept until dropped by hand
    // One partition per month back to the oldest log (730 days: 24 or 25), two ahead, nothing else.
    const { rows: parts } = await db.query<{ name: string }>(`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'activity.interaction_log'::regclass`);
    expect(parts.length).toBeGreaterThanOrEqual(24 + 2);
    expect(parts.filter((p) => !/^interaction_log_y\d{4}m\d{2}$/.test(p.name))).toEqual([]);
  });

  it('keeps the dedup exact and gives a backdated log its own month', async () => {
    const broker = await connect(stack.amqpUrl);
    try {
      const channel = await broker.createConfirmChannel();
      const twice = note('redelivered');
      const backdated = note('from long ago', new Date(Date.now() - 900 * DAY_MS));
      for (const e of [twice, twice, backdated, backdated]) {
        channel.publish(EXCHANGE, e.type, Buffer.from(JSON.stringify(e)), messageProperties(e));
      }
      await channel.waitForConfirms();
      await eventually(async () => expect((await partitionOf(backdated.id)).length).toBe(1), { timeout: 60_000 });
      expect(await partitionOf(twice.id)).toHaveLength(1);
      const month = backdated.time.slice(0, 7);
      expect(await partitionOf(backdated.id)).toEqual([`activity.interaction_log_y${month.slice(0, 4)}m${month.slice(5, 7)}`]);
    } finally {
      await broker.close();
    }
  });

  it("prunes: a lead's first page and the recent-20 page read only the partitions they need", async () => {
    // A lead created 40 days ago with logs since; the table holds 24 months of others.
    const lead = randomUUID();
    await db.query(`insert into crm.leads (id, name, created_at) values ($1, 'Pruned Lead', now() - interval '40 days')`, [lead]);
    await db.query(
      `insert into activity.interaction_log (id, "timestamp", user_id, type, summary, lead_id, source, event_type, event_version, correlation_id, data)
       select gen_random_uuid(), now() - i * interval '1 day', $2::uuid, 'note', 'lead log ' || i, $1::uuid, 'auto', 'lead.updated', 1, gen_random_uuid(), '{}'::jsonb
       from generate_series(0, 40) as i`,
      [lead, ACTOR.id],
    );
    await db.query('analyze activity.interaction_log');

    const leadPage = await explained((repo) => repo.page({ lead }, 21));
    const recentPage = await explained((repo) => repo.page({}, 21));
    const now = new Date();
    const monthsBack = (n: number) => {
      const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - n, 1));
      return `interaction_log_y${d.getUTCFullYear()}m${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    };
    // Months are read newest first (an ordered Append): the two made ahead (empty), then
    // back until the page is full (its 21 logs lie within 21 days: this month and at most
    // the two before it). No lower bound from the lead's creation: a backdated manual log
    // may be older than its lead, and must still be on the lead's page.
    const leadMonths = [monthsBack(-2), monthsBack(-1), monthsBack(0), monthsBack(1), monthsBack(2)];
    expect(leadPage.read.filter((p) => !leadMonths.includes(p))).toEqual([]);
    // The current month holds more than 21 logs: nothing older is read.
    expect(recentPage.read).toEqual([monthsBack(-2), monthsBack(-1), monthsBack(0)].sort());
    process.stderr.write(`[partitions] lead page reads ${leadPage.read.join(', ')}; recent page reads ${recentPage.read.join(', ')}\n`);
  });

  async function relkind(): Promise<string> {
    return (await db.query<{ k: string }>(`select relkind::text as k from pg_class where oid = 'activity.interaction_log'::regclass`)).rows[0].k;
  }

  /**
   * The feed's own SQL (crm-api's FeedRepository), run under EXPLAIN ANALYZE as crm-api
   * runs it: prepared, on a connection with the feed pool's settings (a generic plan, so
   * months are pruned when it runs, not when it is planned). Which partitions were actually
   * read (scanned at least once, not pruned, not "never executed").
   */
  async function explained(run: (repo: FeedRepository) => Promise<unknown>): Promise<{ read: string[] }> {
    const plans: any[] = [];
    const pool = new Pool({ connectionString: stack.databaseUrl, max: 1, options: pgSettings(FEED_POOL_SETTINGS) });
    const capturing = {
      query: async (query: QueryConfig) => {
        const name = `explained_${plans.length}`;
        // EXPLAIN EXECUTE takes no bound parameters: its arguments are literals.
        const client = await pool.connect();
        try {
          const literal = (v: unknown) => client.escapeLiteral(v instanceof Date ? v.toISOString() : Array.isArray(v) ? `{${v.join(',')}}` : String(v));
          const args = (query.values ?? []).map(literal).join(', ');
          await client.query(`prepare ${name} as ${query.text}`);
          const { rows } = await client.query(`explain (analyze, costs off, timing off, format json) execute ${name}${args ? `(${args})` : ''}`);
          plans.push(rows[0]['QUERY PLAN'][0].Plan);
        } finally {
          client.release();
        }
        return { rows: [] };
      },
    } as unknown as Pool;
    try {
      await run(new FeedRepository(capturing));
    } finally {
      await pool.end();
    }
    const read = new Set<string>();
    const walk = (node: any) => {
      if (node['Relation Name'] && (node['Actual Loops'] ?? 0) > 0) read.add(node['Relation Name']);
      (node.Plans ?? []).forEach(walk);
    };
    plans.forEach(walk);
    return { read: [...read].sort() };
  }
});

function note(summary: string, time = new Date()): CrmEvent {
  return buildEvent('interaction.logged', { type: 'note', summary, lead_id: null, contact_id: null, opportunity_id: null, actor: ACTOR }, { time });
}
