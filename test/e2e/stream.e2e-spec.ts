import { api, ApiClient, AppProcess, create, createUser, eventually, expectStatus, openStream, startApi, startLogger, uniq } from '../utils';

/**
 * The live feed (`GET /api/interaction-logs/stream/`) as a dashboard uses it: new logs
 * arrive without polling, a client that reconnects with Last-Event-ID gets exactly what
 * it missed, and every crm-api replica delivers every log (they learn of new logs from
 * the database, not from their own memory).
 */
describe('live feed stream', () => {
  let apiA: AppProcess;
  let apiB: AppProcess;
  let logger: AppProcess;
  let admin: ApiClient;

  beforeAll(async () => {
    [apiA, apiB, logger] = await Promise.all([startApi(), startApi(), startLogger()]);
    admin = await api(apiA.url);
  });

  afterAll(async () => {
    await Promise.all([apiA?.stop(), apiB?.stop(), logger?.stop()]);
  });

  it('pushes new logs matching the filter, and only those', async () => {
    const rep = await createUser(admin);
    const stream = openStream(admin, { user: rep.id });
    await stream.opened(); // a stream starts at "now": write only once it has
    const first = uniq('Live Lead');
    const other = uniq('Someone Else');
    await create(admin, 'leads', { name: other }); // attributed to the admin: filtered out
    await create(rep.client, 'leads', { name: first, company: 'Live Co' });
    await eventually(() => expect(stream.summaries()).toEqual([`New lead created: ${first} from Live Co`]));
    const [event] = stream.events;
    expect(event.event).toBe('interaction-log');
    expect(event.data).toMatchObject({ user: rep.id, type: 'note', source: 'auto', event_type: 'lead.created' });
    expect(event.id).toMatch(/^\d+\.[0-9a-f-]{36}$/);
    await stream.close();
  });

  it('resumes after Last-Event-ID with exactly the logs the client missed', async () => {
    const rep = await createUser(admin);
    const stream = openStream(admin, { user: rep.id });
    await stream.opened();
    const seen = uniq('Seen Lead');
    await create(rep.client, 'leads', { name: seen });
    await eventually(() => expect(stream.summaries()).toEqual([`New lead created: ${seen}`]));
    const lastId = stream.events[0].id;
    await stream.close();

    // While disconnected: three more logs.
    const missed = [uniq('Missed A'), uniq('Missed B'), uniq('Missed C')];
    for (const name of missed) await create(rep.client, 'leads', { name });

    const resumed = openStream(admin, { user: rep.id }, lastId);
    await resumed.opened();
    await eventually(() => expect(resumed.summaries().sort()).toEqual(missed.map((n) => `New lead created: ${n}`).sort()));
    // And it stays live after the catch-up.
    const after = uniq('After Resume');
    await create(rep.client, 'leads', { name: after });
    await eventually(() => expect(resumed.summaries()).toContain(`New lead created: ${after}`));
    expect(resumed.summaries()).toHaveLength(4);
    await resumed.close();
  });

  it('resumes from the position the stream opened at, when cut before any log arrived', async () => {
    const rep = await createUser(admin);
    const stream = openStream(admin, { user: rep.id });
    await stream.opened();
    const openedAt = stream.lastId()!;
    await stream.close();
    const name = uniq('While Cut');
    await create(rep.client, 'leads', { name });
    const resumed = openStream(admin, { user: rep.id }, openedAt);
    await eventually(() => expect(resumed.summaries()).toEqual([`New lead created: ${name}`]));
    await resumed.close();
  });

  it('every replica streams every log, whichever replica took the write', async () => {
    const rep = await createUser(admin);
    const adminB = await api(apiB.url);
    const onA = openStream(admin, { user: rep.id });
    const onB = openStream(adminB, { user: rep.id });
    await Promise.all([onA.opened(), onB.opened()]);
    const names = [uniq('Replica 1'), uniq('Replica 2')];
    await create(rep.client, 'leads', { name: names[0] }); // the rep's client talks to replica A
    const repB = new ApiClient(apiB.url, rep.client.token); // and through replica B
    await create(repB, 'leads', { name: names[1] });
    const expected = names.map((n) => `New lead created: ${n}`).sort();
    await eventually(() => {
      expect(onA.summaries().sort()).toEqual(expected);
      expect(onB.summaries().sort()).toEqual(expected);
    });
    await Promise.all([onA.close(), onB.close()]);
  });

  it('refuses a Last-Event-ID it never gave out, and bad filters, with a 400 before streaming', async () => {
    const bad = await fetch(new URL('/api/interaction-logs/stream/', admin.baseUrl), {
      headers: { authorization: `Bearer ${admin.token}`, 'last-event-id': 'not-an-id' },
    });
    expect(bad.status).toBe(400);
    const body = await bad.json();
    expect(body).toMatchObject({ status: 400, error: 'Bad Request' });
    expect(JSON.stringify(body.message)).toContain('Last-Event-ID');
    const outOfRange = await fetch(new URL('/api/interaction-logs/stream/?last_event_id=99999999999999999999.00000000-0000-0000-0000-000000000000', admin.baseUrl), {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(outOfRange.status).toBe(400);
    const badFilter = expectStatus(await admin.get('/api/interaction-logs/stream/?type=fax'), 400, 'bad type');
    expect(JSON.stringify(badFilter.message)).toContain('type');
  });
});
