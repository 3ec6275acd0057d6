// Fault injection (faults.shared.ts has the suite's setup and counting): PostgreSQL failing under a write, a feed read or the logger's batch.
// The describe keeps the original file's name, so every test keeps its full name.
import { Client } from 'pg';
import { api, create, createProxy, eventually, expectStatus, IsolatedStack, readMetric, uniq, viaProxy, backoffAttemptsWithin } from '../utils';
import { faultsSuite } from './faults.shared';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(240_000);

describe('faults: nothing lost, nothing twice', () => {
  const suite = faultsSuite();
  const { closers, apiServer, logger, proxyTo, loggedCount, queueDepth, eventsOf, expectFeedExactly } = suite;
  let stack: IsolatedStack;
  let db: Client;
  beforeAll(() => ({ stack, db } = suite));

  it('a change whose event cannot be written is not made: the outbox insert fails, the CRM write rolls back with it', async () => {
    const apiProcess = await apiServer();
    const client = await api(apiProcess.url);
    const lead = await create(client, 'leads', { name: uniq('Atomic Lead') });
    const refusedName = uniq('Atomic Refused');
    // A trigger that refuses exactly these events (the lead's status change, the new lead's
    // creation): the event write fails inside the request's statement.
    await db.query(`create function crm.faults_refuse_event() returns trigger language plpgsql as $$
      begin raise exception 'outbox write refused for the test'; end $$`);
    await db.query(`create trigger faults_refuse_event before insert on crm.outbox for each row
      when ((new.type = 'lead.status_changed' and new.payload->>'subject' = '${lead.id}')
         or (new.type = 'lead.created' and new.payload->'data'->>'name' = '${refusedName}'))
      execute function crm.faults_refuse_event()`);
    try {
      const created = await client.post('/api/leads/', { name: refusedName });
      expect(created.status).toBeGreaterThanOrEqual(500);
      expect(created.body).toEqual({ status: created.status, error: expect.any(String), message: expect.anything() });
      expect((await db.query('select id from crm.leads where name = $1', [refusedName])).rows).toEqual([]);

      const changed = await client.patch(`/api/leads/${lead.id}/`, { status: 'qualified' });
      expect(changed.status).toBeGreaterThanOrEqual(500);
      expect(expectStatus(await client.get(`/api/leads/${lead.id}/`), 200).status).toBe('new');
      expect((await db.query(`select type from crm.outbox where payload->>'subject' = $1 order by created_at`, [lead.id])).rows).toEqual([{ type: 'lead.created' }]);
    } finally {
      await db.query('drop trigger faults_refuse_event on crm.outbox; drop function crm.faults_refuse_event()');
    }
    // The same requests go through once the event can be written.
    await create(client, 'leads', { name: refusedName });
    expect(expectStatus(await client.patch(`/api/leads/${lead.id}/`, { status: 'qualified' }), 200).status).toBe('qualified');
  });

  it('feed reads on a database URL of their own (FEED_DATABASE_URL, a read replica): losing it fails feed reads only, with a 503, and they recover by themselves', async () => {
    const line = await proxyTo(stack.databaseUrl);
    const apiProcess = await apiServer({ FEED_DATABASE_URL: viaProxy(stack.databaseUrl, line) });
    await logger();
    const client = await api(apiProcess.url);
    const feedOf = (id: string) => client.get(`/api/interaction-logs/?lead=${id}`);
    const lead = await create(client, 'leads', { name: uniq('Replica Lead') });
    await eventually(async () => expect(expectStatus(await feedOf(lead.id), 200).results).toHaveLength(1));
    expect(line.connections).toBeGreaterThan(0); // the reads took the feed's own line

    line.cut();
    const refused = await feedOf(lead.id);
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({ status: 503, error: expect.any(String), message: expect.anything() });
    // Writes, and reads of CRM records, do not go that way.
    const written = await create(client, 'leads', { name: uniq('Written Meanwhile') });
    expectStatus(await client.get(`/api/leads/${written.id}/`), 200);

    line.restore();
    await eventually(async () => expect(expectStatus(await feedOf(written.id), 200).results).toHaveLength(1));
  });

  it('PostgreSQL unreachable for the logger: the batch is held and retried with backoff, nothing acked, redelivered or dead-lettered, then written once', async () => {
    const apiProcess = await apiServer();
    const client = await api(apiProcess.url);
    const dbUrl = new URL(stack.databaseUrl);
    const proxy = await createProxy(dbUrl.hostname, Number(dbUrl.port || 5432));
    closers.push(() => proxy.close());
    const loggerProcess = await logger({ DATABASE_URL: viaProxy(stack.databaseUrl, proxy) });
    // A name sums its label sets (activity_logger_dead_lettered_total), name{…} is one series.
    const metric = (name: string) => readMetric(loggerProcess.url, name);

    proxy.cut();
    const leads = [];
    for (let i = 0; i < 5; i += 1) leads.push((await create(client, 'leads', { name: uniq('DB Cut') })).id);
    const events = await eventsOf(leads);
    await eventually(async () => expect(await metric('activity_logger_held_messages')).toBe(5));
    const before = { consumed: await metric('activity_logger_messages_consumed_total'), backoff: await metric('activity_logger_retries_total{kind="backoff"}'), t: Date.now() };
    // Several retries observed (polled for, no fixed wait), then: held, not handed back (no
    // redelivery loop), retried at a backoff's pace (100 ms doubling to 5 s per held batch,
    // at most 5 batches): a bound from the time actually observed, not a spin.
    await eventually(async () => expect(await metric('activity_logger_retries_total{kind="backoff"}')).toBeGreaterThanOrEqual(before.backoff + 5), { timeout: 60_000 });
    const after = { consumed: await metric('activity_logger_messages_consumed_total'), backoff: await metric('activity_logger_retries_total{kind="backoff"}'), t: Date.now() };
    expect(after.consumed).toBe(before.consumed);
    expect(after.backoff - before.backoff).toBeLessThanOrEqual(5 * backoffAttemptsWithin(after.t - before.t, 100, 5_000));
    await eventually(async () => expect(await queueDepth()).toBe(5)); // delivered, unacked
    expect(await metric('activity_logger_dead_lettered_total')).toBe(0);
    expect(await metric('activity_logger_held_messages')).toBe(5);
    expect(loggerProcess.exitStatus()).toBeNull();

    proxy.restore();
    await eventually(async () => expect(await loggedCount(events)).toBe(5), { timeout: 30_000 });
    await eventually(async () => expect(await queueDepth()).toBe(0));
    expect(await metric('activity_logger_duplicates_skipped_total')).toBe(0);
    for (const lead of leads) await expectFeedExactly(client, { lead }, await eventsOf([lead]));
  });
});
