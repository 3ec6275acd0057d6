import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { api, ApiClient, ApiResponse, AppProcess, create, createUser, expectStatus, IsolatedStack, isolatedStack, sendRaw, startApi, uniq } from '../utils';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(120_000);

/**
 * Bad input to the REST API, class by class, on every write route: each answers 4xx with
 * api.md's error `{"status", "error", "message"}`, names what is wrong, and writes nothing
 * (no row of any CRM table changes, no outbox row appears). On a stack of its own, so
 * "nothing written" is a count of the whole database, not of this file's rows only.
 */
const BODY_LIMIT = 16 * 1024;
const MISSING = '3f1c1b2a-9d8e-4c7b-a6f5-e4d3c2b1a090'; // a well-formed id no record has

type Body = Record<string, unknown>;

/** A write route of api.md: how to call it with a body that succeeds, and what its fields are. */
interface WriteRoute {
  name: string;
  method: 'POST' | 'PATCH';
  /** The path; `id` is a record of the right kind (ignored by collection routes). */
  path: (id: string) => string;
  /** The kind of record the `{id}` names (404 text), when the path has one. */
  idOf?: 'lead' | 'contact' | 'opportunity' | 'quote' | 'task';
  valid: () => Body;
  /** A field that must be present. */
  required?: string;
  /** A text field (wrong type, NUL, blank, too long); with dots for a nested one. */
  text: string;
  /** Whether blank text is refused there (required text) rather than stored as null. */
  textRequired: boolean;
  enumField?: string;
  money?: string;
  date?: { field: string; kind: 'date' | 'instant' };
  /** Reference fields: a well-formed id of no record is a 400 naming the field. */
  refs?: string[];
}

const at = (body: Body, dotted: string, value: unknown): Body => {
  const copy = structuredClone(body);
  const keys = dotted.split('.');
  let target: Body = copy;
  for (const k of keys.slice(0, -1)) target = target[k] as Body;
  if (value === undefined) delete target[keys[keys.length - 1]];
  else target[keys[keys.length - 1]] = value;
  return copy;
};

/** The message as one text, whether the API answered a sentence or a list. */
const messageOf = (res: ApiResponse) => (Array.isArray(res.body?.message) ? res.body.message.join('\n') : String(res.body?.message));

/** api.md's error: exactly {status, error, message}, the status the one of the answer. */
function expectError(res: ApiResponse, status: number, ...mentions: (string | RegExp)[]): void {
  const shown = `${res.status} ${JSON.stringify(res.body)}`;
  if (res.status !== status) throw new Error(`expected ${status}, got ${shown}`);
  expect(res.body).toEqual({ status, error: expect.any(String), message: expect.anything() });
  expect(res.body.error.length).toBeGreaterThan(0);
  const message = messageOf(res);
  for (const m of mentions) {
    if (typeof m === 'string' ? !message.includes(m) : !m.test(message)) throw new Error(`the message does not name ${m}: ${shown}`);
  }
}

describe('bad input to the REST API', () => {
  let stack: IsolatedStack;
  let apiProcess: AppProcess;
  let admin: ApiClient;
  let db: Client;
  const records: Record<'lead' | 'contact' | 'opportunity' | 'quote' | 'task', string> = {} as never;

  /** Every CRM table's row count and newest change, and the outbox's size. */
  const fingerprint = async () => {
    const tables = ['users', 'api_keys', 'leads', 'contacts', 'opportunities', 'quotes', 'tasks'];
    const parts = tables.map((t) => `select '${t}' as t, count(*)::int as n, coalesce(max(updated_at)::text, '') as m from crm.${t}`);
    parts.push(`select 'outbox', count(*)::int, '' from crm.outbox`);
    return (await db.query(parts.join(' union all '))).rows;
  };

  /** Runs a request that must be refused, and checks the database did not change at all. */
  const refusedWithoutWrite = async (send: () => Promise<ApiResponse>, status: number, ...mentions: (string | RegExp)[]) => {
    const before = await fingerprint();
    const res = await send();
    expectError(res, status, ...mentions);
    expect(await fingerprint()).toEqual(before);
    return res;
  };

  /** A request with a raw body and content type of our choosing (malformed JSON, other media types). */
  const rawRequest = (method: string, path: string, body: string | undefined, contentType?: string): Promise<ApiResponse> => {
    const headers: Record<string, string> = { authorization: `Bearer ${admin.token}`, accept: 'application/json' };
    if (contentType) headers['content-type'] = contentType;
    return sendRaw(new URL(path, apiProcess.url), method, body, headers);
  };

  const ROUTES: WriteRoute[] = [
    {
      name: 'POST /api/users/',
      method: 'POST',
      path: () => '/api/users/',
      valid: () => ({ email: `${uniq('u').replace(' ', '.')}@crm.test`, password: 'long enough', name: 'New Rep', role: 'sales_rep' }),
      required: 'email',
      text: 'name',
      textRequired: true,
      enumField: 'role',
    },
    {
      name: 'POST /api/api-keys/',
      method: 'POST',
      path: () => '/api/api-keys/',
      valid: () => ({ name: uniq('Bad input key'), scopes: ['read'] }),
      required: 'name',
      text: 'name',
      textRequired: true,
    },
    {
      name: 'POST /api/auth/token/',
      method: 'POST',
      path: () => '/api/auth/token/',
      valid: () => ({ email: process.env.TEST_ADMIN_EMAIL, password: process.env.TEST_ADMIN_PASSWORD }),
      required: 'password',
      text: 'email',
      textRequired: true,
    },
    {
      name: 'POST /api/leads/',
      method: 'POST',
      path: () => '/api/leads/',
      valid: () => ({ name: uniq('Lead'), email: 'lead@example.com', company: 'ACME', phone: '+1 555 0100', status: 'new' }),
      required: 'name',
      text: 'company',
      textRequired: false,
      enumField: 'status',
      refs: ['assigned_to'],
    },
    {
      name: 'PATCH /api/leads/{id}/',
      method: 'PATCH',
      path: (id) => `/api/leads/${id}/`,
      idOf: 'lead',
      valid: () => ({ company: uniq('Renamed') }),
      text: 'name',
      textRequired: true,
      enumField: 'status',
      refs: ['assigned_to'],
    },
    {
      name: 'POST /api/leads/{id}/convert/',
      method: 'POST',
      path: (id) => `/api/leads/${id}/convert/`,
      idOf: 'lead',
      valid: () => ({ opportunity: { name: uniq('Converted'), amount: '10.00', stage: 'proposal' } }),
      required: 'opportunity',
      text: 'opportunity.name',
      textRequired: true,
      enumField: 'opportunity.stage',
      money: 'opportunity.amount',
      refs: ['opportunity.owner'],
    },
    ...(['lead', 'contact', 'opportunity'] as const).map((kind): WriteRoute => ({
      name: `POST /api/${kind === 'opportunity' ? 'opportunities' : `${kind}s`}/{id}/log_interaction/`,
      method: 'POST',
      path: (id) => `/api/${kind === 'opportunity' ? 'opportunities' : `${kind}s`}/${id}/log_interaction/`,
      idOf: kind,
      valid: () => ({ type: 'call', summary: 'Talked about the renewal', timestamp: '2026-01-15T10:00:00Z' }),
      required: 'summary',
      text: 'summary',
      textRequired: true,
      enumField: 'type',
      date: { field: 'timestamp', kind: 'instant' },
    })),
    {
      name: 'POST /api/contacts/',
      method: 'POST',
      path: () => '/api/contacts/',
      valid: () => ({ name: uniq('Contact'), email: 'c@example.com', company: 'ACME' }),
      required: 'name',
      text: 'phone',
      textRequired: false,
      refs: ['lead'],
    },
    {
      name: 'PATCH /api/contacts/{id}/',
      method: 'PATCH',
      path: (id) => `/api/contacts/${id}/`,
      idOf: 'contact',
      valid: () => ({ phone: '+44 20 7946 0000' }),
      text: 'name',
      textRequired: true,
      refs: ['lead'],
    },
    {
      name: 'POST /api/opportunities/',
      method: 'POST',
      path: () => '/api/opportunities/',
      valid: () => ({ name: uniq('Deal'), amount: '1500.50', stage: 'qualification' }),
      required: 'name',
      text: 'name',
      textRequired: true,
      enumField: 'stage',
      money: 'amount',
      refs: ['owner', 'contact', 'lead'],
    },
    {
      name: 'PATCH /api/opportunities/{id}/',
      method: 'PATCH',
      path: (id) => `/api/opportunities/${id}/`,
      idOf: 'opportunity',
      valid: () => ({ amount: 99 }),
      text: 'name',
      textRequired: true,
      enumField: 'stage',
      money: 'amount',
      refs: ['owner', 'contact', 'lead'],
    },
    {
      name: 'POST /api/quotes/',
      method: 'POST',
      path: () => '/api/quotes/',
      valid: () => ({ title: uniq('Quote'), total_price: '250.00', valid_until: '2027-06-30' }),
      required: 'total_price',
      text: 'title',
      textRequired: true,
      money: 'total_price',
      date: { field: 'valid_until', kind: 'date' },
      refs: ['opportunity'],
    },
    {
      name: 'PATCH /api/quotes/{id}/',
      method: 'PATCH',
      path: (id) => `/api/quotes/${id}/`,
      idOf: 'quote',
      valid: () => ({ total_price: 300 }),
      text: 'title',
      textRequired: true,
      money: 'total_price',
      date: { field: 'valid_until', kind: 'date' },
      refs: ['opportunity'],
    },
    {
      name: 'POST /api/tasks/',
      method: 'POST',
      path: () => '/api/tasks/',
      valid: () => ({ action: 'Call', target: uniq('Buyer'), type: 'call', due_date: '2027-01-01T09:00:00+01:00' }),
      required: 'target',
      text: 'action',
      textRequired: true,
      enumField: 'type',
      date: { field: 'due_date', kind: 'instant' },
      refs: ['assigned_to', 'lead', 'contact', 'opportunity'],
    },
    {
      name: 'PATCH /api/tasks/{id}/',
      method: 'PATCH',
      path: (id) => `/api/tasks/${id}/`,
      idOf: 'task',
      valid: () => ({ notes: 'moved to Friday' }),
      text: 'notes',
      textRequired: false,
      enumField: 'status',
      date: { field: 'due_date', kind: 'instant' },
      refs: ['assigned_to', 'lead', 'contact', 'opportunity'],
    },
    {
      name: 'POST /api/tasks/{id}/mark_completed/',
      method: 'POST',
      path: (id) => `/api/tasks/${id}/mark_completed/`,
      idOf: 'task',
      valid: () => ({ notes: 'done' }),
      text: 'notes',
      textRequired: false,
    },
  ];

  const pathOf = (route: WriteRoute) => route.path(route.idOf ? records[route.idOf] : '');
  const send = (route: WriteRoute, body: unknown, path = pathOf(route)) => admin.request(route.method, path, body);
  /** The field as the API names it: nested fields by their dotted path, references by their name. */
  const named = (field: string) => `${field}:`;

  beforeAll(async () => {
    stack = await isolatedStack();
    apiProcess = await startApi({ ...stack.env, BODY_LIMIT_BYTES: String(BODY_LIMIT) });
    admin = await api(apiProcess.url);
    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    records.lead = (await create(admin, 'leads', { name: uniq('Target Lead') })).id;
    records.contact = (await create(admin, 'contacts', { name: uniq('Target Contact') })).id;
    records.opportunity = (await create(admin, 'opportunities', { name: uniq('Target Deal') })).id;
    records.quote = (await create(admin, 'quotes', { title: uniq('Target Quote'), total_price: '1.00' })).id;
    records.task = (await create(admin, 'tasks', { action: 'Call', target: uniq('Target Task') })).id;
  });

  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await apiProcess?.stop();
    await stack?.destroy();
  });

  describe.each(ROUTES.map((r) => [r.name, r] as const))('%s', (_name, route) => {
    it('malformed JSON: 400 saying the body is not JSON', async () => {
      for (const text of ['{"name": ', '{name: "x"}', "{'a': 1}", '{"a":1}}', 'nul']) {
        await refusedWithoutWrite(() => rawRequest(route.method, pathOf(route), text, 'application/json'), 400, /JSON/);
      }
    });

    it('a body that is not an object: 400 naming the body', async () => {
      for (const body of [[], ['x'], 'text', 42, null]) {
        await refusedWithoutWrite(() => send(route, body), 400, 'body:');
      }
    });

    it('wrong content type: 415 asking for application/json', async () => {
      const json = JSON.stringify(route.valid());
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x']) {
        await refusedWithoutWrite(() => rawRequest(route.method, pathOf(route), json, type), 415, 'application/json');
      }
    });

    it(`a body over the limit (${BODY_LIMIT} bytes): 413`, async () => {
      const body = JSON.stringify(at(route.valid(), route.text, 'x'.repeat(BODY_LIMIT + 1)));
      await refusedWithoutWrite(() => rawRequest(route.method, pathOf(route), body, 'application/json'), 413);
    });

    it('an unknown field: 400 naming it', async () => {
      await refusedWithoutWrite(() => send(route, { ...route.valid(), bogus_field: 1 }), 400, 'bogus_field: unknown field');
      await refusedWithoutWrite(() => send(route, { ...route.valid(), created_by: MISSING }), 400, 'created_by: unknown field');
      await refusedWithoutWrite(() => send(route, { ...route.valid(), id: MISSING }), 400, 'id: unknown field');
    });

    it('wrong types: 400 naming the field', async () => {
      for (const value of [12345, true, ['a'], { a: 1 }]) {
        await refusedWithoutWrite(() => send(route, at(route.valid(), route.text, value)), 400, named(route.text));
      }
    });

    it('text the database cannot store (NUL, a lone surrogate) or over its length: 400 naming the field', async () => {
      for (const value of ['a\u0000b', 'a\ud800b', 'x'.repeat(route.text === 'summary' || route.text === 'notes' ? 10_001 : 256)]) {
        await refusedWithoutWrite(() => send(route, at(route.valid(), route.text, value)), 400, named(route.text));
      }
      if (route.textRequired) await refusedWithoutWrite(() => send(route, at(route.valid(), route.text, '   ')), 400, named(route.text));
    });

    if (route.required) {
      it(`a missing required field (${route.required}): 400 naming it`, async () => {
        await refusedWithoutWrite(() => send(route, at(route.valid(), route.required!, undefined)), 400, named(route.required!));
      });
    }

    if (route.enumField) {
      it(`a value outside the enum (${route.enumField}): 400 naming the field`, async () => {
        for (const value of ['not-a-choice', '', 'NEW', 1]) {
          await refusedWithoutWrite(() => send(route, at(route.valid(), route.enumField!, value)), 400, named(route.enumField!));
        }
      });
    }

    if (route.money) {
      it(`money (${route.money}) with more than two places, out of range or not a number: 400 naming the field`, async () => {
        for (const value of ['1.234', 0.001, '-1.00', -5, '12345678901234.00', 1e20, 'NaN', '1e3', '12,50', '']) {
          await refusedWithoutWrite(() => send(route, at(route.valid(), route.money!, value)), 400, named(route.money!));
        }
      });
    }

    if (route.date) {
      const { field, kind } = route.date;
      it(`dates (${field}) that are no dates, or out of range: 400 naming the field`, async () => {
        const bad =
          kind === 'date'
            ? ['2027-02-30', '2027-13-01', 'tomorrow', '2027-01-01T00:00:00Z', '0000-01-01', '27-01-01']
            : ['2027-02-30T00:00:00Z', '2027-01-01T25:00:00Z', 'tomorrow', '2027-01-01', '2027-01-01T00:00:00', '0000-01-01T00:00:00Z'];
        for (const value of bad) await refusedWithoutWrite(() => send(route, at(route.valid(), field, value)), 400, named(field));
      });
    }

    for (const ref of route.refs ?? []) {
      it(`a reference (${ref}) to a missing record: 400 naming the field, never 500`, async () => {
        const name = ref.split('.').pop()!;
        await refusedWithoutWrite(() => send(route, at(route.valid(), ref, MISSING)), 400, `${name}: no such record`);
        await refusedWithoutWrite(() => send(route, at(route.valid(), ref, 'not-an-id')), 400, named(ref));
      });
    }

    if (route.idOf) {
      it('an id that is not an id: 400 naming it', async () => {
        for (const id of ['not-an-id', '1', "1' or '1'='1", '%00', '00000000-0000-0000-0000-00000000000g']) {
          await refusedWithoutWrite(() => send(route, route.valid(), route.path(id)), 400, 'id:');
        }
      });

      it('an unknown id: 404 naming the record', async () => {
        await refusedWithoutWrite(() => send(route, route.valid(), route.path(MISSING)), 404, `${route.idOf} ${MISSING} not found`);
      });
    }
  });

  describe('the fixtures above are right: each route accepts its valid body', () => {
    it.each(ROUTES.map((r) => [r.name, r] as const))('%s', async (_name, route) => {
      // On fresh records: a conversion or completion can happen only once.
      const fresh: typeof records = { ...records };
      if (route.idOf === 'lead') fresh.lead = (await create(admin, 'leads', { name: uniq('Fresh Lead') })).id;
      if (route.idOf === 'task') fresh.task = (await create(admin, 'tasks', { action: 'Call', target: uniq('Fresh Task') })).id;
      const res = await send(route, route.valid(), route.path(route.idOf ? fresh[route.idOf] : ''));
      expect([200, 201, 202]).toContain(res.status);
    });
  });

  describe('DELETE', () => {
    it.each(['leads', 'contacts', 'opportunities', 'quotes', 'tasks'])('/api/%s/{id}/: 400 for a malformed id, 404 for an unknown one, nothing deleted', async (resource) => {
      await refusedWithoutWrite(() => admin.delete(`/api/${resource}/not-an-id/`), 400, 'id:');
      await refusedWithoutWrite(() => admin.delete(`/api/${resource}/${MISSING}/`), 404, MISSING);
    });
  });

  describe('conflicts the database finds', () => {
    it('a user email already taken, in any case: 409 naming the email, no second user', async () => {
      const email = `${uniq('taken').replace(' ', '.')}@crm.test`;
      expectStatus(await admin.post('/api/users/', { email, password: 'long enough', name: 'First' }), 201);
      await refusedWithoutWrite(() => admin.post('/api/users/', { email, password: 'long enough', name: 'Second' }), 409, 'email');
      await refusedWithoutWrite(() => admin.post('/api/users/', { email: email.toUpperCase(), password: 'long enough', name: 'Third' }), 409, 'email');
      const { rows } = await db.query('select name from crm.users where email = $1', [email]);
      expect(rows).toEqual([{ name: 'First' }]);
    });

    it('completing a completed task again, converting a converted lead again: 409, nothing written', async () => {
      const task = await create(admin, 'tasks', { action: 'Email', target: uniq('Twice') });
      expectStatus(await admin.post(`/api/tasks/${task.id}/mark_completed/`, {}), 200);
      await refusedWithoutWrite(() => admin.post(`/api/tasks/${task.id}/mark_completed/`, { notes: 'again' }), 409, 'already completed');
      const lead = await create(admin, 'leads', { name: uniq('Twice Lead') });
      expectStatus(await admin.post(`/api/leads/${lead.id}/convert/`, { opportunity: { name: 'first', amount: 1 } }), 201);
      await refusedWithoutWrite(() => admin.post(`/api/leads/${lead.id}/convert/`, { opportunity: { name: 'again', amount: 1 } }), 409, 'already converted');
    });

    it("a sales rep's reference to a missing record is refused the same way (not only the admin's)", async () => {
      const rep = await createUser(admin);
      await refusedWithoutWrite(() => rep.client.post('/api/opportunities/', { name: uniq('Rep Deal'), contact: MISSING }), 400, 'contact: no such record');
    });
  });

  describe('bad query parameters', () => {
    const LISTS = ['/api/interaction-logs/', '/api/leads/', '/api/contacts/', '/api/opportunities/', '/api/quotes/', '/api/tasks/', '/api/users/'];
    const forged = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

    it.each(LISTS)('%s: limit, cursor and unknown parameters are refused by name', async (list) => {
      const cases: [string, string][] = [
        ['limit=0', 'limit:'],
        ['limit=101', 'limit:'],
        ['limit=-1', 'limit:'],
        ['limit=1.5', 'limit:'],
        ['limit=abc', 'limit:'],
        ['limit=', 'limit:'],
        ['limit=1&limit=2', 'limit:'],
        ['cursor=garbage!', 'cursor:'],
        ['cursor=abc', 'cursor:'],
        [`cursor=${forged(['yesterday', MISSING])}`, 'cursor:'],
        [`cursor=${forged(['0000-01-01T00:00:00.000Z', MISSING])}`, 'cursor:'],
        [`cursor=${forged(['2026-01-01T00:00:00.000Z', 'not-a-uuid'])}`, 'cursor:'],
        ['bogus=1', 'bogus: unknown parameter'],
      ];
      for (const [query, mention] of cases) {
        await refusedWithoutWrite(() => admin.get(`${list}?${query}`), 400, mention);
      }
    });

    it('the feed: ids, enums, flags and dates are refused by name', async () => {
      const cases: [string, string][] = [
        ['lead=not-a-uuid', 'lead:'],
        ['contact=1', 'contact:'],
        ['opportunity=%27%20or%201%3D1', 'opportunity:'],
        ['user=x', 'user:'],
        ['type=fax', 'type:'],
        ['source=robot', 'source:'],
        ['correlation_id=abc', 'correlation_id:'],
        ['include_contact=yes', 'include_contact:'],
        ['include_contact=true', 'include_contact:'], // without ?opportunity=
        ['since=yesterday', 'since:'],
        ['since=2026-02-30', 'since:'],
        ['since=0000-01-01', 'since:'],
        ['until=2026-01-01T25:00:00Z', 'until:'],
        ['until=0000-01-01T00:00:00Z', 'until:'],
        ['until=1700000000', 'until:'],
      ];
      for (const [query, mention] of cases) {
        await refusedWithoutWrite(() => admin.get(`/api/interaction-logs/?${query}`), 400, mention);
      }
      // The same shapes, well-formed, are fine: the refusals above are about the values.
      expectStatus(await admin.get(`/api/interaction-logs/?lead=${MISSING}&type=call&since=2026-01-01&until=2026-01-02T00:00:00Z`), 200);
      expectStatus(await admin.get(`/api/interaction-logs/?opportunity=${records.opportunity}&include_contact=true`), 200);
    });

    it('the lists: filters outside their enum or not ids are refused by name', async () => {
      const cases: [string, string][] = [
        ['/api/leads/?status=won', 'status:'],
        ['/api/leads/?assigned_to=me', 'assigned_to:'],
        ['/api/contacts/?lead=1', 'lead:'],
        ['/api/opportunities/?stage=closed', 'stage:'],
        ['/api/opportunities/?owner=x', 'owner:'],
        ['/api/quotes/?opportunity=x', 'opportunity:'],
        ['/api/tasks/?status=done', 'status:'],
        ['/api/tasks/?contact=x', 'contact:'],
        ['/api/users/?role=root', 'role:'],
      ];
      for (const [url, mention] of cases) await refusedWithoutWrite(() => admin.get(url), 400, mention);
    });

    it('reads of one record: 400 for a malformed id, 404 for an unknown one', async () => {
      for (const resource of ['leads', 'contacts', 'opportunities', 'quotes', 'tasks', 'users', 'interaction-logs']) {
        await refusedWithoutWrite(() => admin.get(`/api/${resource}/not-an-id/`), 400, 'id:');
        await refusedWithoutWrite(() => admin.get(`/api/${resource}/${randomUUID()}/`), 404);
      }
    });
  });
});
