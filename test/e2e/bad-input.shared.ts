// The shared part of bad-input-*.e2e-spec.ts (the routes' fixtures are in bad-input.routes.ts): the error checks, and
// badInputSuite(), which registers the hooks of the describe it is called in (a stack per file).
import { Client } from 'pg';
import { Body, ROUTES, WriteRoute } from './bad-input.routes';
import { api, ApiClient, ApiResponse, AppProcess, create, IsolatedStack, isolatedStack, sendRaw, startApi, uniq } from '../utils';

/**
 * Bad input to the REST API, class by class, on every write route: each answers 4xx with
 * api.md's error `{"status", "error", "message"}`, names what is wrong, and writes nothing
 * (no row of any CRM table changes, no outbox row appears). On a stack of its own, so
 * "nothing written" is a count of the whole database, not of this file's rows only.
 */
export const BODY_LIMIT = 16 * 1024;
export const MISSING = '3f1c1b2a-9d8e-4c7b-a6f5-e4d3c2b1a090'; // a well-formed id no record has

export const at = (body: Body, dotted: string, value: unknown): Body => {
  const copy = structuredClone(body);
  const keys = dotted.split('.');
  let target: Body = copy;
  for (const k of keys.slice(0, -1)) target = target[k] as Body;
  if (value === undefined) delete target[keys[keys.length - 1]];
  else target[keys[keys.length - 1]] = value;
  return copy;
};

/** The message as one text, whether the API answered a sentence or a list. */
export const messageOf = (res: ApiResponse) => (Array.isArray(res.body?.message) ? res.body.message.join('\n') : String(res.body?.message));

/** api.md's error: exactly {status, error, message}, the status the one of the answer. */
export function expectError(res: ApiResponse, status: number, ...mentions: (string | RegExp)[]): void {
  const shown = `${res.status} ${JSON.stringify(res.body)}`;
  if (res.status !== status) throw new Error(`expected ${status}, got ${shown}`);
  expect(res.body).toEqual({ status, error: expect.any(String), message: expect.anything() });
  expect(res.body.error.length).toBeGreaterThan(0);
  const message = messageOf(res);
  for (const m of mentions) {
    if (typeof m === 'string' ? !message.includes(m) : !m.test(message)) throw new Error(`the message does not name ${m}: ${shown}`);
  }
}

export function badInputSuite() {
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

  return {
    get admin() {
      return admin;
    },
    get db() {
      return db;
    },
    records,
    fingerprint,
    refusedWithoutWrite,
    rawRequest,
    ROUTES,
    pathOf,
    send,
    named,
  };
}
