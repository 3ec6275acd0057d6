// Fault injection (faults.shared.ts has the suite's setup and counting): the outbox relay crashing between publish and mark, or running twice.
// The describe keeps the original file's name, so every test keeps its full name.
import { Client } from 'pg';
import { api, AppProcess, create, eventually, IsolatedStack, readMetric, uniq, viaProxy } from '../utils';
import { faultsSuite } from './faults.shared';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(240_000);

describe('faults: nothing lost, nothing twice', () => {
  const suite = faultsSuite();
  const { apiServer, logger, capture, proxyTo, loggedCount, unsentCount, eventsOf, expectFeedExactly, insertBacklog, health } = suite;
  let stack: IsolatedStack;
  let db: Client;
  beforeAll(() => ({ stack, db } = suite));

  it('a relay that crashed between the confirm and marking sent publishes again: still one log each', async () => {
    const wire = await capture();
    const apiProcess = await apiServer();
    const loggerProcess = await logger();
    const client = await api(apiProcess.url);
    const leads = [];
    for (let i = 0; i < 5; i += 1) leads.push((await create(client, 'leads', { name: uniq('Republished') })).id);
    const events = await eventsOf(leads);
    await eventually(async () => expect(await loggedCount(events)).toBe(5));
    const firstWritten = (await db.query('select id, logged_at from activity.interaction_log where id = any($1::uuid[]) order by id', [events])).rows;
    const duplicates = () => readMetric(loggerProcess.url, 'activity_logger_duplicates_skipped_total');
    const skippedBefore = await duplicates();

    // What a crash after the broker's confirm and before the update leaves: confirmed, not marked.
    await db.query('update crm.outbox set sent_at = null where id = any($1::uuid[])', [events]);
    await eventually(() => {
      for (const id of events) expect(wire.messages.filter((m) => m.properties.messageId === id)).toHaveLength(2);
    });
    await eventually(async () => expect(await unsentCount(events)).toBe(0));
    await eventually(async () => expect((await duplicates()) - skippedBefore).toBe(5));

    expect((await db.query('select id, logged_at from activity.interaction_log where id = any($1::uuid[]) order by id', [events])).rows).toEqual(firstWritten);
    for (const lead of leads) await expectFeedExactly(client, { lead }, await eventsOf([lead]));
  });

  it('crm-api SIGKILLed in the middle of a relay round (published, confirms not back), restarted: every event delivered again, logged exactly once, all marked sent', async () => {
    await logger();
    const wire = await capture();
    const line = await proxyTo(stack.amqpUrl);
    const victim = await apiServer({ AMQP_URL: viaProxy(stack.amqpUrl, line) });
    const client = await api(victim.url);
    await eventually(async () => expect((await health(victim, '/health')).body).toMatchObject({ broker: 'up' }));

    // The broker gets the relay's messages, its confirms never get back: the round is in flight.
    line.stallReplies();
    const leads: string[] = [];
    for (let i = 0; i < 20; i += 1) leads.push((await create(client, 'leads', { name: uniq('Killed Mid Round') })).id);
    const events = await eventsOf(leads);
    expect(events).toHaveLength(20);
    // The relay's first round takes what was committed by then, publishes it and waits for
    // confirms; the rest waits for the next round. In flight: delivered (logged), not marked sent.
    const deliveredBefore = (id: string) => wire.messages.filter((m) => m.properties.messageId === id).length;
    const inFlight = await eventually(async () => {
      const logged = (await db.query<{ id: string }>('select id from activity.interaction_log where id = any($1::uuid[])', [events])).rows.map((r) => r.id);
      expect(logged.length).toBeGreaterThan(0);
      expect(await unsentCount(events)).toBe(20); // no confirm came back: nothing marked sent
      expect(logged.map(deliveredBefore)).toEqual(logged.map(() => 1));
      return logged;
    });

    victim.kill('SIGKILL');
    expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });
    line.restore();

    const again = await apiServer();
    await eventually(async () => expect(await unsentCount(events)).toBe(0), { timeout: 60_000 });
    // The round in flight published again (it never got its confirms); every event logged once.
    await eventually(() => expect(inFlight.filter((id) => deliveredBefore(id) < 2)).toEqual([]));
    await eventually(async () => expect(await loggedCount(events)).toBe(20));
    expect(events.filter((id) => deliveredBefore(id) < 1)).toEqual([]);
    const client2 = await api(again.url);
    for (const lead of leads) await expectFeedExactly(client2, { lead }, await eventsOf([lead]));
  });

  it('two crm-api replicas relaying one outbox: every event published once, none skipped, each logged once', async () => {
    const wire = await capture();
    const [a, b] = [await apiServer({ RELAY_BATCH_SIZE: '25' }), await apiServer({ RELAY_BATCH_SIZE: '25' })];
    await logger();
    const [clientA, clientB] = [await api(a.url), await api(b.url)];
    const lead = await create(clientA, 'leads', { name: uniq('Two Relays') });
    const published = (p: AppProcess) => readMetric(p.url, 'crm_api_events_published_total');
    const before = { a: await published(a), b: await published(b) };

    // A backlog both relays are woken for at once, and writes through both replicas meanwhile.
    const writes = Promise.all(Array.from({ length: 20 }, (_, i) => create(i % 2 ? clientA : clientB, 'leads', { name: uniq('Replica Write') })));
    const backlog = await insertBacklog(2000, lead.id, 'two relays');
    const written: string[] = (await writes).map((l) => l.id);
    const events = [...backlog, ...(await eventsOf(written))];
    expect(events.length).toBe(2020);

    await eventually(async () => expect(await unsentCount(events)).toBe(0), { timeout: 90_000 });
    await eventually(async () => expect(await loggedCount(events)).toBe(events.length), { timeout: 90_000 });
    // Both took part, and between them each event crossed the broker exactly once (SKIP LOCKED).
    const share = { a: (await published(a)) - before.a, b: (await published(b)) - before.b };
    expect(share.a).toBeGreaterThan(0);
    expect(share.b).toBeGreaterThan(0);
    expect(share.a + share.b).toBeGreaterThanOrEqual(events.length);
    await eventually(() => {
      const times = new Map<string, number>();
      for (const m of wire.messages) times.set(m.properties.messageId, (times.get(m.properties.messageId) ?? 0) + 1);
      expect(events.filter((id) => times.get(id) !== 1)).toEqual([]);
    });
    await expectFeedExactly(clientB, { lead: lead.id }, [...backlog, ...(await eventsOf([lead.id])).filter((id) => !backlog.includes(id))]);
  });
});
