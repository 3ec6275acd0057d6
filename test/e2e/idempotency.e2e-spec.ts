import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { api, ApiClient, AppProcess, create, createUser, eventually, expectStatus, logsEventually, startApi, startLogger, testEnv, uniq } from '../utils';

jest.setTimeout(180_000);

/** A keyed request as a client sees it: the status, the headers, and the body's exact text. */
interface Raw {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

async function send(client: ApiClient, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Raw> {
  const res = await fetch(new URL(path, client.baseUrl), {
    method: 'POST',
    headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : null };
}

/**
 * Idempotency-Key (Stripe's semantics) on the routes that create or act: a retry with
 * the key gets the first answer back and writes nothing; another request under the key
 * is a 422, a retry while the first still runs a 409; without the header nothing changes.
 */
describe('Idempotency-Key: retries that write once', () => {
  let apiProcess: AppProcess;
  let logger: AppProcess;
  let admin: ApiClient;
  let db: Client;

  beforeAll(async () => {
    [apiProcess, logger] = await Promise.all([startApi(), startLogger()]);
    admin = await api(apiProcess.url);
    db = new Client({ connectionString: testEnv().databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await Promise.all([apiProcess?.stop(), logger?.stop()]);
  });

  const leadsNamed = async (name: string) => (await db.query<{ id: string }>('select id from crm.leads where name = $1', [name])).rows.map((r) => r.id);
  const eventsAbout = async (subject: string, type?: string) =>
    (await db.query<{ n: number }>(`select count(*)::int as n from crm.outbox where payload->>'subject' = $1 and ($2::text is null or type = $2)`, [subject, type ?? null])).rows[0]
      .n;
  const keyRows = async (key: string) => (await db.query<{ n: number }>('select count(*)::int as n from crm.idempotency_keys where key = $1', [key])).rows[0].n;

  /** The first answer, then each retry: the same status and bytes, marked as replayed. */
  function expectReplays(first: Raw, retries: Raw[]) {
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    for (const retry of retries) {
      expect(retry.status).toBe(first.status);
      expect(retry.text).toBe(first.text);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(retry.headers.get('content-type')).toBe(first.headers.get('content-type'));
    }
  }

  it('a create sent three times with one key: one lead, one event, one log; the same answer (and ETag) each time', async () => {
    const key = randomUUID();
    const name = uniq('Idem Lead');
    const body = { name, company: 'Retry Co', status: 'new' };
    const first = await send(admin, '/api/leads/', body, { 'idempotency-key': key });
    expectStatus(first as never, 201, 'first');
    // The same body with its keys in another order is the same request.
    const again = [
      await send(admin, '/api/leads/', { status: 'new', company: 'Retry Co', name }, { 'idempotency-key': key }),
      await send(admin, '/api/leads', body, { 'idempotency-key': key }),
    ];
    expectReplays(first, again);
    expect(first.headers.get('etag')).toMatch(/^"[0-9a-z]+"$/);
    for (const retry of again) expect(retry.headers.get('etag')).toBe(first.headers.get('etag'));

    expect(await leadsNamed(name)).toEqual([first.body.id]);
    expect(await eventsAbout(first.body.id)).toBe(1);
    expect(await logsEventually(admin, { lead: first.body.id }, 1)).toHaveLength(1);
  });

  it('every create route: a retry replays the first answer and writes one record', async () => {
    const lead = await create(admin, 'leads', { name: uniq('Idem Parent Lead') });
    const contact = await create(admin, 'contacts', { name: uniq('Idem Parent Contact') });
    const opp = await create(admin, 'opportunities', { name: uniq('Idem Parent Opp'), contact: contact.id });
    const email = `${uniq('idem').replace(' ', '.')}@crm.test`;
    const cases: [string, Record<string, unknown>, string, string][] = [
      ['contacts', { name: uniq('Idem Contact') }, 'contacts', 'name'],
      ['opportunities', { name: uniq('Idem Opp'), contact: contact.id }, 'opportunities', 'name'],
      ['quotes', { title: uniq('Idem Quote'), total_price: '10.00', opportunity: opp.id }, 'quotes', 'title'],
      ['tasks', { action: 'Call', target: uniq('Idem Target'), lead: lead.id }, 'tasks', 'target'],
      ['users', { email, password: `pw-${randomUUID()}`, name: uniq('Idem User'), role: 'sales_rep' }, 'users', 'email'],
    ];
    for (const [resource, body, table, column] of cases) {
      const key = randomUUID();
      const first = await send(admin, `/api/${resource}/`, body, { 'idempotency-key': key });
      expectStatus(first as never, 201, `POST /api/${resource}/`);
      expectReplays(first, [await send(admin, `/api/${resource}/`, body, { 'idempotency-key': key })]);
      const { rows } = await db.query<{ id: string }>(`select id from crm.${table} where ${column} = $1`, [body[column]]);
      expect(rows.map((r) => r.id)).toEqual([first.body.id]);
    }
  });

  it('the same key with another body, or on another route, is a 422 naming the header; nothing is written', async () => {
    const key = randomUUID();
    const name = uniq('Idem Reused');
    expectStatus((await send(admin, '/api/leads/', { name }, { 'idempotency-key': key })) as never, 201);
    const other = uniq('Idem Other');
    const reused = await send(admin, '/api/leads/', { name: other }, { 'idempotency-key': key });
    expect(reused.status).toBe(422);
    expect(reused.body).toEqual({ status: 422, error: 'Unprocessable Content', message: expect.stringMatching(/^Idempotency-Key: .*different request/) });
    const elsewhere = await send(admin, '/api/contacts/', { name }, { 'idempotency-key': key });
    expect(elsewhere.status).toBe(422);
    expect(await leadsNamed(other)).toEqual([]);
    expect((await db.query('select 1 from crm.contacts where name = $1', [name])).rowCount).toBe(0);
  });

  it('one key, two callers: each has their own', async () => {
    const rep = await createUser(admin, 'sales_rep');
    const key = randomUUID();
    const [a, b] = [uniq('Idem Admin'), uniq('Idem Rep')];
    const byAdmin = await send(admin, '/api/leads/', { name: a }, { 'idempotency-key': key });
    const byRep = await send(rep.client, '/api/leads/', { name: b }, { 'idempotency-key': key });
    expect([byAdmin.status, byRep.status]).toEqual([201, 201]);
    expect(byRep.headers.get('idempotent-replayed')).toBeNull();
    expect(await leadsNamed(a)).toHaveLength(1);
    expect(await leadsNamed(b)).toHaveLength(1);
  });

  it('a retry while the first request still runs is a 409; once it answered, the retry replays it', async () => {
    const lead = await create(admin, 'leads', { name: uniq('Idem Task Lead') });
    const task = await create(admin, 'tasks', { action: 'Call', target: 'the buyer', lead: lead.id });
    const key = randomUUID();
    const path = `/api/tasks/${task.id}/mark_completed/`;
    // The first request waits for the task's row, which this connection holds.
    const holder = new Client({ connectionString: testEnv().databaseUrl });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select 1 from crm.tasks where id = $1 for update', [task.id]);
      const firstPromise = send(admin, path, {}, { 'idempotency-key': key });
      await eventually(async () => {
        const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity
           where datname = current_database() and wait_event_type = 'Lock' and query ilike '%"crm"."tasks"%for update%'`);
        expect(rows[0].n).toBeGreaterThan(0);
      });
      const during = await send(admin, path, {}, { 'idempotency-key': key });
      expect(during.status).toBe(409);
      expect(during.body.message).toMatch(/^Idempotency-Key: .*still running/);
      expect(during.headers.get('retry-after')).toBe('1');
      await holder.query('rollback');
      const first = await firstPromise;
      expectStatus(first as never, 200, 'mark_completed');
      expect(first.body.status).toBe('completed');
      expectReplays(first, [await send(admin, path, {}, { 'idempotency-key': key })]);
      expect(await eventsAbout(task.id, 'task.completed')).toBe(1);
    } finally {
      await holder.end();
    }
  });

  it('a bad key is a 400 naming the header, and nothing is written; 255 characters are fine', async () => {
    const name = uniq('Idem Bad Key');
    for (const key of ['', 'k'.repeat(256), 'caf\u00e9']) {
      const res = await send(admin, '/api/leads/', { name }, { 'idempotency-key': key });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/^Idempotency-Key: 1 to 255 printable ASCII characters/);
    }
    expect(await leadsNamed(name)).toEqual([]);
    expectStatus((await send(admin, '/api/leads/', { name }, { 'idempotency-key': `${randomUUID()}${'k'.repeat(219)}` })) as never, 201);
  });

  it('without the header nothing changes: two POSTs, two leads', async () => {
    const name = uniq('Idem Unkeyed');
    const [a, b] = [await send(admin, '/api/leads/', { name }), await send(admin, '/api/leads/', { name })];
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.headers.get('idempotent-replayed')).toBeNull();
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(await leadsNamed(name)).toHaveLength(2);
  });

  it('convert: a retry replays the conversion (one contact, one opportunity); a refused one (409) replays its refusal', async () => {
    const lead = await create(admin, 'leads', { name: uniq('Idem Convert') });
    const key = randomUUID();
    const body = { opportunity: { name: uniq('Idem Deal'), amount: '10' } };
    const first = await send(admin, `/api/leads/${lead.id}/convert/`, body, { 'idempotency-key': key });
    expectStatus(first as never, 201, 'convert');
    expectReplays(first, [await send(admin, `/api/leads/${lead.id}/convert/`, body, { 'idempotency-key': key })]);
    expect((await db.query('select 1 from crm.contacts where lead_id = $1', [lead.id])).rowCount).toBe(1);
    expect(await eventsAbout(lead.id, 'lead.converted')).toBe(1);

    const twiceKey = randomUUID();
    const refused = await send(admin, `/api/leads/${lead.id}/convert/`, body, { 'idempotency-key': twiceKey });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/already converted/);
    expectReplays(refused, [await send(admin, `/api/leads/${lead.id}/convert/`, body, { 'idempotency-key': twiceKey })]);
  });

  it('log_interaction: a retry replays the 202 (same log id), one log; with Prefer: wait the 201 is what is replayed', async () => {
    const lead = await create(admin, 'leads', { name: uniq('Idem Logged') });
    const path = `/api/leads/${lead.id}/log_interaction/`;
    const summary = uniq('Idem call');
    const key = randomUUID();
    const first = await send(admin, path, { type: 'call', summary }, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    const retry = await send(admin, path, { type: 'call', summary }, { 'idempotency-key': key });
    expectReplays(first, [retry]);
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));

    const waited = uniq('Idem waited');
    const waitKey = randomUUID();
    const written = await send(admin, path, { type: 'note', summary: waited }, { 'idempotency-key': waitKey, prefer: 'wait=10' });
    expectStatus(written as never, 201, 'log_interaction with Prefer: wait=10');
    expect(written.body).toMatchObject({ summary: waited });
    expect(written.headers.get('preference-applied')).toBe('wait=10');
    const again = await send(admin, path, { type: 'note', summary: waited }, { 'idempotency-key': waitKey, prefer: 'wait=10' });
    expectReplays(written, [again]);
    expect(again.headers.get('location')).toBe(written.headers.get('location'));

    const logs = await logsEventually(admin, { lead: lead.id }, 3);
    // The lead's creation, the call, the note: each once.
    expect(logs).toHaveLength(3);
    expect(logs.filter((l) => l.summary === summary)).toHaveLength(1);
    expect(logs.filter((l) => l.summary === waited)).toHaveLength(1);
  });

  it('a 404 is the answer stored (the request ran), and replayed', async () => {
    const key = randomUUID();
    const path = `/api/leads/${randomUUID()}/log_interaction/`;
    const first = await send(admin, path, { type: 'call', summary: 'nobody' }, { 'idempotency-key': key });
    expect(first.status).toBe(404);
    expectReplays(first, [await send(admin, path, { type: 'call', summary: 'nobody' }, { 'idempotency-key': key })]);
  });

  describe('atomicity: the write and its stored answer commit together or not at all', () => {
    /** A trigger that fails the statements of one test only, as a busy database would (57014: 503). */
    async function failing(table: string, column: string, value: string): Promise<() => Promise<void>> {
      const fn = `idem_fail_${randomUUID().replace(/-/g, '')}`;
      await db.query(`create function crm.${fn}() returns trigger language plpgsql as $$
        begin if new.${column} = '${value.replace(/'/g, "''")}' then raise exception 'injected failure' using errcode = '57014'; end if; return new; end $$`);
      await db.query(`create trigger ${fn} before insert on ${table} for each row execute function crm.${fn}()`);
      return async () => {
        await db.query(`drop trigger ${fn} on ${table}`);
        await db.query(`drop function crm.${fn}()`);
      };
    }

    it('storing the answer fails: the lead is not written either (503), and a retry then creates it once', async () => {
      const key = randomUUID();
      const name = uniq('Idem Unstored');
      const heal = await failing('crm.idempotency_keys', 'key', key);
      let first: Raw;
      try {
        first = await send(admin, '/api/leads/', { name }, { 'idempotency-key': key });
      } finally {
        await heal();
      }
      expect(first.status).toBe(503);
      expect(await leadsNamed(name)).toEqual([]);
      expect(await keyRows(key)).toBe(0);
      const retry = await send(admin, '/api/leads/', { name }, { 'idempotency-key': key });
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBeNull();
      expect(await leadsNamed(name)).toEqual([retry.body.id]);
      expect(await eventsAbout(retry.body.id)).toBe(1);
    });

    it('the write fails (503): no answer is stored, so the retry runs and succeeds', async () => {
      const key = randomUUID();
      const name = uniq('Idem Unwritten');
      const heal = await failing('crm.leads', 'name', name);
      let first: Raw;
      try {
        first = await send(admin, '/api/leads/', { name }, { 'idempotency-key': key });
      } finally {
        await heal();
      }
      expect(first.status).toBe(503);
      expect(await keyRows(key)).toBe(0);
      const retry = await send(admin, '/api/leads/', { name }, { 'idempotency-key': key });
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBeNull();
      expect(await leadsNamed(name)).toEqual([retry.body.id]);
    });

    it('the change of an existing record (mark_completed, a nested transaction) rolls back with a failed store too', async () => {
      const lead = await create(admin, 'leads', { name: uniq('Idem Nested') });
      const task = await create(admin, 'tasks', { action: 'Call', target: 'the buyer', lead: lead.id });
      const key = randomUUID();
      const heal = await failing('crm.idempotency_keys', 'key', key);
      let first: Raw;
      try {
        first = await send(admin, `/api/tasks/${task.id}/mark_completed/`, {}, { 'idempotency-key': key });
      } finally {
        await heal();
      }
      expect(first.status).toBe(503);
      expect(expectStatus(await admin.get(`/api/tasks/${task.id}/`), 200).status).not.toBe('completed');
      expect(await eventsAbout(task.id, 'task.completed')).toBe(0);
    });
  });
});
