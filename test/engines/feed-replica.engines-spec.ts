import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import {
  api,
  ApiClient,
  AppProcess,
  create,
  createUser,
  eventually,
  expectStatus,
  feed,
  InteractionLog,
  IsolatedStack,
  isolatedStack,
  migrate,
  openStream,
  PrivatePostgres,
  startApi,
  startLogger,
  startPrivatePostgres,
  startReplica,
  testEnv,
  uniq,
  update,
} from '../utils';
import { launchChromium } from '../utils/browser';

jest.setTimeout(600_000);

const DB = 'crm_replica';
const MAX_LAG_SECONDS = 2;

/**
 * Issue 12, part 2: crm-api with DATABASE_URL on a private primary and FEED_DATABASE_URL
 * on its streaming replica (pg_basebackup -R; own ports and directories, removed at the
 * end). Everything the feed offers works through the API from the replica; the live
 * stream's LISTEN stays on the primary; the status says when the replica lags.
 */
describe('feed reads on a streaming replica', () => {
  let stack: IsolatedStack;
  let primary: PrivatePostgres | undefined;
  let replica: PrivatePostgres | undefined;
  let apiProcess: AppProcess;
  let logger: AppProcess;
  let admin: ApiClient;
  const running: AppProcess[] = [];

  beforeAll(async () => {
    stack = await isolatedStack();
    primary = await startPrivatePostgres({ replication: true });
    await migrate(primary.url(DB));
    replica = await startReplica(primary);
    const env = { ...stack.env, DATABASE_URL: primary.url(DB) };
    logger = await startLogger(env);
    running.push(logger);
    apiProcess = await startApi({ ...env, FEED_DATABASE_URL: replica.url(DB), FEED_MAX_LAG_SECONDS: String(MAX_LAG_SECONDS) });
    running.push(apiProcess);
    admin = await api(apiProcess.url);
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
    await replica?.destroy();
    await primary?.destroy();
    await stack?.destroy();
  });

  const onReplica = async <T>(fn: (db: Client) => Promise<T>, url = replica!.url(DB)) => {
    const db = new Client({ connectionString: url });
    await db.connect();
    try {
      return await fn(db);
    } finally {
      await db.end();
    }
  };
  const appNames = (url: string) =>
    onReplica(
      async (db) => (await db.query<{ name: string }>(`select distinct application_name as name from pg_stat_activity where datname = $1`, [DB])).rows.map((r) => r.name),
      url,
    );

  it('serves every filter, keyset pages, group=correlation and Prefer: wait from the replica; LISTEN stays on the primary', async () => {
    const rep = await createUser(admin);
    const name = uniq('Replica Lead');
    const lead = await create(rep.client, 'leads', { name, company: 'Replica Co' });
    await update(rep.client, 'leads', lead.id, { status: 'qualified' });
    const converted = expectStatus(await rep.client.post(`/api/leads/${lead.id}/convert/`, { opportunity: { name: uniq('Replica Opp'), amount: '10' } }), 201, 'convert');
    // Prefer: wait reads the written log back from the replica.
    const summary = `Called ${name}`;
    const waited = await rep.client.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'call', summary }, { prefer: 'wait=20' });
    expect(waited.status).toBe(201);
    expect(waited.body).toMatchObject({ summary, type: 'call', source: 'manual', user: rep.id, lead: lead.id });

    const all = await eventually(
      async () => {
        const page = (await feed(rep.client, { lead: lead.id })).results;
        expect(page.length).toBeGreaterThanOrEqual(7); // created, status, conversion's four, the call
        return page;
      },
      { timeout: 60_000 },
    );
    const only = async (query: Record<string, string>, keep: (l: InteractionLog & { correlation_id?: string }) => boolean) => {
      const got = (await feed(rep.client, query)).results;
      expect({ query, ids: got.map((l) => l.id) }).toEqual({ query, ids: all.filter(keep).map((l) => l.id) });
    };
    const contact = converted.contact.id as string;
    const opportunity = converted.opportunity.id as string;
    const conversion = all.find((l) => l.opportunity === opportunity) as InteractionLog & { correlation_id: string };
    const middle = all[3].timestamp;
    await only({ lead: lead.id, type: 'call' }, (l) => l.type === 'call');
    await only({ lead: lead.id, source: 'manual' }, (l) => l.source === 'manual');
    await only({ lead: lead.id, user: rep.id }, (l) => l.user === rep.id);
    await only({ lead: lead.id, contact }, (l) => l.contact === contact);
    await only({ lead: lead.id, opportunity }, (l) => l.opportunity === opportunity);
    await only({ lead: lead.id, correlation_id: conversion.correlation_id }, (l) => (l as { correlation_id?: string }).correlation_id === conversion.correlation_id);
    await only({ lead: lead.id, since: middle }, (l) => l.timestamp >= middle);
    await only({ lead: lead.id, until: middle }, (l) => l.timestamp < middle);

    // Keyset pages of 2 walk the same logs, none twice, none missed.
    const walked: string[] = [];
    let next: string | null = `/api/interaction-logs/?lead=${lead.id}&limit=2`;
    while (next) {
      const page: { results: InteractionLog[]; next: string | null } = expectStatus(await rep.client.get(next.replace(/^https?:\/\/[^/]+/, '')), 200, next);
      walked.push(...page.results.map((l) => l.id));
      next = page.next;
    }
    expect(walked).toEqual(all.map((l) => l.id));
    const grouped = expectStatus(await rep.client.get(`/api/interaction-logs/?lead=${lead.id}&group=correlation`), 200, 'grouped');
    expect(grouped.results.find((g: { correlation_id: string }) => g.correlation_id === conversion.correlation_id).logs).toHaveLength(4);

    // Reads went to the replica, the wake-ups' LISTEN to the primary.
    expect(await appNames(replica!.url(DB))).toContain('crm-api feed');
    const onPrimary = await appNames(primary!.url(DB));
    expect(onPrimary).toEqual(expect.arrayContaining(['crm-api listen interaction_log']));
    expect(onPrimary).not.toContain('crm-api feed');
  });

  it('streams from the replica, and a client resuming with Last-Event-ID gets exactly what it missed', async () => {
    const lead = await create(admin, 'leads', { name: uniq('Streamed Lead') });
    // Its own log first, so the stream below sees only what this test writes next.
    await eventually(async () => expect((await feed(admin, { lead: lead.id })).results).toHaveLength(1), { timeout: 60_000 });
    const stream = openStream(admin, { lead: lead.id });
    await stream.opened();
    await admin.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'note', summary: 'first' });
    await eventually(() => expect(stream.summaries()).toEqual(['first']), { timeout: 60_000 });
    const resumeFrom = stream.lastId()!;
    await stream.close();
    await admin.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'note', summary: 'while away' });
    const resumed = openStream(admin, { lead: lead.id }, resumeFrom);
    try {
      await eventually(() => expect(resumed.summaries()).toEqual(['while away']), { timeout: 60_000 });
      await admin.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'note', summary: 'after' });
      await eventually(() => expect(resumed.summaries()).toEqual(['while away', 'after']), { timeout: 60_000 });
    } finally {
      await resumed.close();
    }
  });

  it('status: lag 0 when caught up; replay paused on the replica makes the feed not current, with the reason, on the dashboard too', async () => {
    const status = async () => expectStatus(await admin.get('/api/interaction-logs/status/'), 200, 'status');
    await eventually(async () => expect(await status()).toMatchObject({ current: true, feed_replica_lag_seconds: 0 }), { timeout: 60_000 });

    await onReplica((db) => db.query('select pg_wal_replay_pause()'));
    try {
      const lead = await create(admin, 'leads', { name: uniq('Lagging Lead') });
      // The log is written on the primary but not replayed: the feed cannot show it.
      await eventually(
        async () => {
          const s = await status();
          expect(s.current).toBe(false);
          expect(s.feed_replica_lag_seconds).toBeGreaterThan(MAX_LAG_SECONDS);
          expect(s.reasons.join('\n')).toMatch(/replica is [\d.]+s behind the primary/);
        },
        { timeout: 60_000, interval: 500 },
      );
      expect((await feed(admin, { lead: lead.id })).results).toEqual([]);
      await bannerShows(apiProcess.url, /replica is [\d.]+s behind the primary/);
    } finally {
      await onReplica((db) => db.query('select pg_wal_replay_resume()'));
    }
    await eventually(async () => expect(await status()).toMatchObject({ current: true, feed_replica_lag_seconds: 0 }), { timeout: 60_000 });
    // Nothing the standby refused made crm-api fail.
    expect(apiProcess.exitStatus()).toBeNull();
    expect(
      readFileSync(apiProcess.logFile, 'utf8')
        .split('\n')
        .filter((l) => /read-only transaction|recovery is in progress|Unhandled|uncaught/i.test(l)),
    ).toEqual([]);
  });
});

/** The dashboard, in Chromium, shows the delayed banner with that reason. */
async function bannerShows(url: string, reason: RegExp) {
  const browser = await launchChromium();
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${url}/dashboard/`);
    const { email, password } = testEnv().admin;
    await page.getByTestId('email').fill(email);
    await page.getByTestId('password').fill(password);
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('delay-reasons').filter({ hasText: reason }).waitFor({ timeout: 60_000 });
  } finally {
    await browser.close();
  }
}
