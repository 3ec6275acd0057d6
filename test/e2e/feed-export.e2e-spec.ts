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
  isolatedStack,
  IsolatedStack,
  logsEventually,
  parseCsv,
  startApi,
  startLogger,
  uniq,
  update,
  User,
} from '../utils';

jest.setTimeout(180_000);

const COLUMNS = [
  'timestamp',
  'recorded_at',
  'kind',
  'type',
  'event_type',
  'source',
  'summary',
  'user_id',
  'user_name',
  'lead_id',
  'contact_id',
  'opportunity_id',
  'via_type',
  'via_id',
  'via_name',
  'correlation_id',
  'id',
  'edited_at',
  'edited_by_id',
  'edited_by_name',
];

/** GET /api/interaction-logs/export/ as a browser downloads it: the raw bytes and headers (`client` null: no token). */
async function download(client: ApiClient | { baseUrl: string; token: null }, query: Record<string, string>) {
  const res = await fetch(new URL(`/api/interaction-logs/export/?${new URLSearchParams(query)}`, client.baseUrl), {
    headers: client.token ? { authorization: `Bearer ${client.token}` } : {},
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, text: bytes.toString('utf8') };
}

/** The CSV's records as objects keyed by the header row (the BOM stripped first). */
function csvRecords(text: string): Record<string, string>[] {
  expect(text.startsWith('\uFEFF')).toBe(true);
  const [header, ...rows] = parseCsv(text.slice(1));
  expect(header).toEqual(COLUMNS);
  for (const row of rows) expect(row).toHaveLength(COLUMNS.length);
  return rows.map((row) => Object.fromEntries(header.map((h, i) => [h, row[i]])));
}

const ndjson = (text: string) => {
  expect(text.endsWith('\n') || text === '').toBe(true);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
};

/** Every page of the list for the query, followed through `next`. */
async function wholeList(client: ApiClient, query: Record<string, string>) {
  const out: any[] = [];
  let next: string | null = `/api/interaction-logs/?${new URLSearchParams({ ...query, limit: '100' })}`;
  while (next) {
    const page: { results: any[]; next: string | null } = expectStatus(await client.get(next), 200);
    out.push(...page.results);
    next = page.next;
  }
  return out;
}

describe('feed export', () => {
  let team: AppProcess;
  let own: AppProcess;
  let logger: AppProcess;
  let admin: ApiClient;
  let rep: User;

  const SUMMARIES = ['Said "yes", then left', 'line one\nline two', '=HYPERLINK("http://evil.example","click")', '+1 555 0100', '-5% discount agreed', '@SUM(A1:A2)'];

  beforeAll(async () => {
    // Pages of 3: every export below spans several keyset pages.
    [team, own, logger] = await Promise.all([startApi({ EXPORT_PAGE_SIZE: '3' }), startApi({ RECORD_VISIBILITY: 'own', EXPORT_PAGE_SIZE: '2' }), startLogger()]);
    admin = await api(team.url);
    rep = await createUser(admin, 'sales_rep', uniq('Zoë Exporter'));
    const lead = await create(rep.client, 'leads', { name: uniq('Export Lead, Inc.') });
    for (const summary of SUMMARIES) expectStatus(await rep.client.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'note', summary }), 202);
    const deal = await create(rep.client, 'opportunities', { name: uniq('Export Deal'), amount: '7.00', owner: rep.id });
    await update(rep.client, 'opportunities', deal.id, { stage: 'won' });
    await logsEventually(admin, { user: rep.id }, SUMMARIES.length + 3);
  });

  afterAll(async () => {
    await Promise.all([team?.stop(), own?.stop(), logger?.stop()]);
  });

  it('CSV: UTF-8 with a BOM (the 🎉 intact), RFC 4180 quoting, formula cells neutralised, the same rows as the list', async () => {
    const res = await download(rep.client, { format: 'csv', user: rep.id });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="interaction-logs-\d{8}T\d{6}Z\.csv"$/);
    expect([...res.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(res.text).toMatch(/\r\n$/);

    const records = csvRecords(res.text);
    const list = await wholeList(rep.client, { user: rep.id });
    expect(records.map((r) => r.id)).toEqual(list.map((l) => l.id));
    const summaries = records.map((r) => r.summary);
    expect(summaries).toContain('Said "yes", then left');
    expect(summaries).toContain('line one\nline two');
    expect(summaries).toContain(`'=HYPERLINK("http://evil.example","click")`);
    expect(summaries).toContain(`'+1 555 0100`);
    expect(summaries).toContain(`'-5% discount agreed`);
    expect(summaries).toContain(`'@SUM(A1:A2)`);
    expect(summaries.find((s) => s.includes('WON!'))).toMatch(/WON! \u{1F389} Deal closed successfully$/u);
    expect(summaries.find((s) => s.startsWith('New lead created'))).toMatch(/Export Lead, Inc\./);
    // No cell a spreadsheet would run as a formula.
    for (const r of records) for (const cell of Object.values(r)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);

    const first = records[0];
    const same = list[0];
    expect(first).toEqual({
      timestamp: same.timestamp,
      recorded_at: same.recorded_at,
      kind: same.kind,
      type: same.type,
      event_type: same.event_type,
      source: same.source,
      summary: same.summary,
      user_id: rep.id,
      user_name: rep.name,
      lead_id: same.lead ?? '',
      contact_id: same.contact ?? '',
      opportunity_id: same.opportunity ?? '',
      via_type: '',
      via_id: '',
      via_name: '',
      correlation_id: same.correlation_id,
      id: same.id,
      edited_at: '',
      edited_by_id: '',
      edited_by_name: '',
    });
  });

  it("NDJSON: one log a line, the list's fields and user_name, in the list's order; kind and rollup filter it like the list", async () => {
    const res = await download(rep.client, { format: 'ndjson', user: rep.id });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.ndjson"$/);
    const lines = ndjson(res.text);
    const list = await wholeList(rep.client, { user: rep.id });
    expect(lines).toEqual(list.map((l) => ({ ...l, user_name: rep.name })));

    for (const kind of ['interaction', 'change']) {
      const lane = ndjson((await download(rep.client, { format: 'ndjson', user: rep.id, kind })).text);
      expect(lane.map((l) => l.id)).toEqual((await wholeList(rep.client, { user: rep.id, kind })).map((l) => l.id));
      expect(lane.length).toBeGreaterThan(0);
      expect(lane.every((l) => l.kind === kind)).toBe(true);
    }

    const contact = await create(rep.client, 'contacts', { name: uniq('Export Contact') });
    const deal = await create(rep.client, 'opportunities', { name: uniq('Rolled Deal'), amount: '1.00', contact: contact.id });
    const quote = await create(rep.client, 'quotes', { title: uniq('Export Quote'), total_price: '1.00', opportunity: deal.id });
    await logsEventually(rep.client, { opportunity: deal.id }, 2);
    const query = { contact: contact.id, rollup: 'true' };
    const rolled = await eventually(async () => {
      const l = await wholeList(rep.client, query);
      if (l.length < 3) throw new Error(`${l.length} of 3`);
      return l;
    });
    const csv = csvRecords((await download(rep.client, { ...query, format: 'csv' })).text);
    expect(csv.map((r) => r.id)).toEqual(rolled.map((l) => l.id));
    expect(csv.map((r) => [r.via_type, r.via_id, r.via_name])).toEqual(rolled.map((l) => (l.via ? [l.via.type, l.via.id, l.via.name] : ['', '', ''])));
    expect(csv.find((r) => r.event_type === 'quote.created')).toMatchObject({ via_type: 'quote', via_id: quote.id, via_name: quote.title });
  });

  it('CSV: a corrected manual log carries when and by whom (edited_at, edited_by_id, edited_by_name); others leave them empty', async () => {
    const lead = await create(rep.client, 'leads', { name: uniq('Corrected Lead') });
    const log = expectStatus(await rep.client.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'call', summary: 'Called, no answer' }, { prefer: 'wait=10' }), 201);
    const edited = expectStatus(await rep.client.patch(`/api/interaction-logs/${log.id}/`, { summary: 'Called, left a voicemail' }, { prefer: 'wait=10' }), 200, 'PATCH with wait');
    const rows = csvRecords((await download(rep.client, { format: 'csv', lead: lead.id })).text);
    const row = rows.find((r) => r.id === log.id);
    expect(row).toMatchObject({ summary: 'Called, left a voicemail', edited_at: edited.edited_at, edited_by_id: rep.id, edited_by_name: rep.name });
    const others = rows.filter((r) => r.id !== log.id);
    expect(others.length).toBeGreaterThan(0); // the lead's creation
    for (const r of others) expect([r.edited_at, r.edited_by_id, r.edited_by_name]).toEqual(['', '', '']);
  });

  it('RECORD_VISIBILITY=own: a rep exports only the logs they may read', async () => {
    const ownAdmin = await api(own.url);
    const reader = await createUser(ownAdmin);
    const stranger = await createUser(ownAdmin);
    const mine = await create(ownAdmin, 'leads', { name: uniq('Mine'), assigned_to: reader.id });
    const theirs = await create(ownAdmin, 'leads', { name: uniq('Theirs'), assigned_to: stranger.id });
    const shown = expectStatus(await ownAdmin.post(`/api/leads/${mine.id}/log_interaction/`, { type: 'call', summary: 'shared call' }, { prefer: 'wait=10' }), 201);
    const hidden = expectStatus(await ownAdmin.post(`/api/leads/${theirs.id}/log_interaction/`, { type: 'call', summary: 'secret call' }, { prefer: 'wait=10' }), 201);

    for (const format of ['csv', 'ndjson']) {
      const res = await download(reader.client, { format });
      expect(res.status).toBe(200);
      const ids = format === 'csv' ? csvRecords(res.text).map((r) => r.id) : ndjson(res.text).map((l) => l.id);
      expect(ids).toContain(shown.id);
      expect(ids).not.toContain(hidden.id);
      expect(ids).toEqual((await wholeList(reader.client, {})).map((l) => l.id));
    }
    const everything = ndjson((await download(ownAdmin, { format: 'ndjson' })).text).map((l) => l.id);
    expect(everything).toEqual(expect.arrayContaining([shown.id, hidden.id]));
  });

  it('a bad or missing format, a bad filter are 400 JSON naming the parameter; no token is 401', async () => {
    for (const [query, name] of [
      [{ format: 'xlsx' }, 'format'],
      [{}, 'format'],
      [{ format: 'csv', kind: 'chat' }, 'kind'],
      [{ format: 'csv', lead: 'nope' }, 'lead'],
      [{ format: 'csv', limit: '5' }, 'limit'],
    ] as const) {
      const res = await download(rep.client, query);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = JSON.parse(res.text);
      expect(body).toEqual({ status: 400, error: expect.any(String), message: expect.anything() });
      expect(JSON.stringify(body.message)).toContain(`${name}:`);
    }
    const nobody = await download({ baseUrl: team.url, token: null }, { format: 'csv' });
    expect(nobody.status).toBe(401);
    expect(JSON.parse(nobody.text)).toMatchObject({ status: 401 });
  });

  it('the plain list and a log are unchanged in shape but for kind and via', async () => {
    const [log] = (await feed(rep.client, { user: rep.id, limit: '1' })).results as any[];
    expect(Object.keys(log)).toEqual(expect.arrayContaining(['kind', 'via']));
    const one = expectStatus(await rep.client.get(`/api/interaction-logs/${log.id}/`), 200);
    expect(one).toEqual(log);
  });
});

/**
 * EXPORTS_PER_USER: an export holds a connection of the feed's pool while it runs, so a
 * user gets a bounded number at once. The log table is locked by the test, so an export
 * stays in its first page for as long as the test wants (a database of the file's own).
 */
describe('feed export: the bound on exports at once', () => {
  let stack: IsolatedStack;
  let crm: AppProcess;
  let admin: ApiClient;

  beforeAll(async () => {
    stack = await isolatedStack();
    // A statement waits for the test's lock up to DB_QUERY_TIMEOUT_MS.
    crm = await startApi({ ...stack.env, EXPORTS_PER_USER: '1', EXPORT_PAGE_SIZE: '1', DB_QUERY_TIMEOUT_MS: '60000' });
    admin = await api(crm.url);
  });

  afterAll(async () => {
    await crm?.stop();
    await stack?.destroy();
  });

  const exportOf = (client: ApiClient, signal?: AbortSignal) =>
    fetch(new URL('/api/interaction-logs/export/?format=ndjson', client.baseUrl), { headers: { authorization: `Bearer ${client.token}` }, signal });

  it("a user's second export while the first runs is a 429 with Retry-After; another user's is not; the slot is free again once the first client went away", async () => {
    const [rep, other] = await Promise.all([createUser(admin), createUser(admin)]);
    // One connection holds the lock; another watches (a transaction sees pg_stat_activity as of its first look).
    const [holder, watcher] = [new Client({ connectionString: stack.databaseUrl }), new Client({ connectionString: stack.databaseUrl })];
    await Promise.all([holder.connect(), watcher.connect()]);
    const first = new AbortController();
    let othersExport: Promise<Response> | undefined;
    try {
      await holder.query('begin');
      await holder.query('lock table activity.interaction_log in access exclusive mode');
      const running = exportOf(rep.client, first.signal).catch((e: Error) => e);
      await eventually(async () => {
        const { rows } = await watcher.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'crm-api feed' and wait_event_type = 'Lock'`,
        );
        expect(rows[0].n).toBe(1);
      });
      const refused = await exportOf(rep.client);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(await refused.json()).toMatchObject({ status: 429, message: expect.stringMatching(/at most 1 exports? at once/) });
      othersExport = exportOf(other.client); // waits for the lock like the first, but is not refused
      first.abort(); // the first client goes away while its export waits
      expect(((await running) as Error).name).toBe('AbortError');
    } finally {
      await holder.query('rollback');
      await Promise.all([holder.end(), watcher.end()]);
    }
    expect((await othersExport).status).toBe(200);
    await eventually(async () => {
      const again = await exportOf(rep.client);
      expect(again.status).toBe(200);
      await again.text();
    });
  });
});
