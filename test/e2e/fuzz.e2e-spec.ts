import { join } from 'node:path';
import { Client } from 'pg';
import { rabbitmqctl } from '../support/resources';
import { api, ApiClient, AppProcess, create, createUser, eventually, IsolatedStack, isolatedStack, runLogDir, startApi, startLogger, User } from '../utils';
import {
  BODY_LIMIT,
  CONTENT_TYPES,
  COUNT,
  FuzzRequest,
  HOSTILE_KEYS,
  NUMBERS,
  ROUTES,
  Rng,
  Route,
  SEED,
  UUIDISH,
  hostileId,
  prng,
  randomObject,
  randomString,
  randomValue,
  writeResults,
} from './fuzz.shared';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(180_000);

/**
 * A seeded random fuzz of every write route and of the feed's query parameters: wrong
 * types, huge numbers, deep nesting, unicode, NUL, prototype-pollution keys, arrays for
 * objects, long strings, other content types, hostile ids. No answer may be a 5xx, every
 * refusal has api.md's error shape, crm-api stays healthy, and whatever it accepted
 * reaches the feed exactly once (nothing it let in is dead-lettered by the logger).
 *
 * FUZZ_SEED=<n> replays a run (the seed is printed); FUZZ_COUNT=<n> changes its length.
 */
describe(`fuzz (FUZZ_SEED=${SEED}, ${COUNT} requests)`, () => {
  let stack: IsolatedStack;
  let apiProcess: AppProcess;
  let loggerProcess: AppProcess;
  let admin: ApiClient;
  let rep: User;
  let db: Client;
  const pool: Record<'lead' | 'contact' | 'opportunity' | 'quote' | 'task', string[]> = { lead: [], contact: [], opportunity: [], quote: [], task: [] };
  /** Records the fuzz itself created: the only ones it may delete. */
  const created: string[] = [];

  beforeAll(async () => {
    process.stderr.write(`[fuzz] FUZZ_SEED=${SEED} FUZZ_COUNT=${COUNT} (kept in ${join(runLogDir(), `fuzz-${SEED}.json`)})\n`);
    writeResults({ phase: 'started', startedAt: new Date().toISOString() });
    stack = await isolatedStack();
    [apiProcess, loggerProcess] = await Promise.all([startApi({ ...stack.env, BODY_LIMIT_BYTES: String(BODY_LIMIT) }), startLogger(stack.env)]);
    admin = await api(apiProcess.url);
    rep = await createUser(admin);
    db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    for (let i = 0; i < 3; i += 1) {
      const lead = await create(admin, 'leads', { name: `Pool Lead ${i}` });
      const contact = await create(admin, 'contacts', { name: `Pool Contact ${i}`, lead: lead.id });
      const opportunity = await create(admin, 'opportunities', { name: `Pool Deal ${i}`, contact: contact.id, lead: lead.id });
      const quote = await create(admin, 'quotes', { title: `Pool Quote ${i}`, total_price: '1.00', opportunity: opportunity.id });
      const task = await create(admin, 'tasks', { action: 'Call', target: `Pool Task ${i}`, lead: lead.id });
      pool.lead.push(lead.id);
      pool.contact.push(contact.id);
      pool.opportunity.push(opportunity.id);
      pool.quote.push(quote.id);
      pool.task.push(task.id);
    }
  });

  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await Promise.all([apiProcess?.stop(), loggerProcess?.stop()]);
    await stack?.destroy();
  });

  function idFor(r: Rng, route: Route): string {
    if (route.method === 'DELETE') return r.chance(0.4) && created.length ? r.pick(created) : hostileId(r);
    if (route.idOf && r.chance(0.75)) return r.pick(pool[route.idOf]);
    return hostileId(r);
  }

  function bodyFor(r: Rng, route: Route): { body?: string | ArrayBuffer; contentType?: string; what: string } {
    const valid = route.valid();
    const keys = Object.keys(valid);
    const json = (v: unknown) => ({ body: JSON.stringify(v), contentType: 'application/json' });
    const roll = r.next();
    let out: { body?: string | ArrayBuffer; contentType?: string; what: string };
    if (roll < 0.3) {
      const mutated: Record<string, unknown> = { ...valid };
      for (let i = r.int(1, 3); i > 0; i -= 1) {
        const key = r.chance(0.7) && keys.length ? r.pick(keys) : r.pick(HOSTILE_KEYS);
        if (r.chance(0.2)) delete mutated[key];
        else Object.defineProperty(mutated, key, { value: randomValue(r), enumerable: true, configurable: true, writable: true });
      }
      out = { ...json(mutated), what: 'near-valid, mutated' };
    } else if (roll < 0.45) {
      out = { ...json(randomObject(r, 0, keys)), what: 'random object' };
    } else if (roll < 0.55) {
      out = { ...json(r.pick([[], [valid], 'a string', 42, null, true, [[[]]]])), what: 'not an object' };
    } else if (roll < 0.62) {
      const depth = r.int(500, 20_000);
      const open = r.chance(0.5) ? '[' : '{"a":';
      const close = open === '[' ? ']' : '}';
      out = { body: `{"${r.pick(keys.length ? keys : ['x'])}":${open.repeat(depth)}1${close.repeat(depth)}}`, contentType: 'application/json', what: `nested ${depth} deep` };
    } else if (roll < 0.72) {
      const text = JSON.stringify(valid);
      const raw = r.pick([
        text.slice(0, r.int(0, text.length - 1)),
        `\ufeff${text}`,
        `${text}${text}`,
        text.replace(/"/g, "'"),
        '{"__proto__":{"isAdmin":true},"name":"x"}',
        '{"constructor":{"prototype":{"isAdmin":true}},"name":"x"}',
        `{"name":"x","nested":{"__proto__":{"polluted":1}}}`,
        `[${'1,'.repeat(r.int(1, 5000))}1]`,
        '{"name":"x","name":"y"}',
        '\u0000\u0001\u0002',
        'undefined',
      ]);
      out = { body: raw, contentType: 'application/json', what: 'malformed or poisoned JSON' };
    } else if (roll < 0.76) {
      const bytes = new Uint8Array(r.int(1, 300));
      for (let i = 0; i < bytes.length; i += 1) bytes[i] = r.int(0, 255);
      out = { body: bytes.buffer, contentType: 'application/json', what: 'random bytes' };
    } else if (roll < 0.8) {
      out = { ...json({ ...valid, [keys[0] ?? 'x']: 'y'.repeat(BODY_LIMIT + r.int(1, 4096)) }), what: 'over the body limit' };
    } else if (roll < 0.84) {
      out = { what: 'no body' };
    } else {
      out = { ...json(valid), what: 'valid' };
    }
    if (out.body !== undefined && r.chance(0.15)) {
      out.contentType = r.chance(0.1) ? undefined : r.pick(CONTENT_TYPES);
      out.what += `, content-type ${JSON.stringify(out.contentType ?? null)}`;
    }
    return out;
  }

  function headersFor(r: Rng): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const auth = r.next();
    if (auth < 0.85) headers.authorization = `Bearer ${admin.token}`;
    else if (auth < 0.93) headers.authorization = `Bearer ${rep.client.token}`;
    else if (auth < 0.97) headers.authorization = r.pick(['Bearer', 'Bearer x.y.z', `Bearer ${admin.token.slice(0, -3)}`, 'Basic Zm9vOmJhcg==']);
    if (r.chance(0.1)) headers['x-correlation-id'] = r.pick(['not-a-uuid', UUIDISH[0], '', 'x'.repeat(500), "'; select 1; --"]);
    if (r.chance(0.1)) headers.prefer = r.pick(['wait=1', 'wait=0', 'wait=-1', 'wait=abc', 'respond-async, wait=1', 'wait=1;x', 'wait="1"']);
    return headers;
  }

  function feedQuery(r: Rng): string {
    const params = new URLSearchParams();
    const keys = [
      'lead',
      'contact',
      'opportunity',
      'user',
      'type',
      'source',
      'correlation_id',
      'include_contact',
      'since',
      'until',
      'limit',
      'cursor',
      'bogus',
      '__proto__',
      'constructor',
    ];
    for (let i = r.int(0, 5); i > 0; i -= 1) {
      const key = r.pick(keys);
      const good: Record<string, () => string> = {
        lead: () => r.pick(pool.lead),
        contact: () => r.pick(pool.contact),
        opportunity: () => r.pick(pool.opportunity),
        user: () => rep.id,
        type: () => r.pick(['call', 'email', 'meeting', 'note']),
        source: () => r.pick(['auto', 'manual']),
        include_contact: () => r.pick(['true', 'false', '1', '0']),
        since: () => r.pick(['2026-01-01', '2026-01-01T00:00:00Z', '1970-01-01T00:00:00+14:00']),
        until: () => r.pick(['2030-01-01', '2099-12-31T23:59:59-12:00']),
        limit: () => String(r.int(1, 100)),
      };
      const value = Object.hasOwn(good, key) && r.chance(0.5) ? good[key]() : r.chance(0.5) ? randomString(r).slice(0, 300) : String(r.pick(NUMBERS));
      params.append(key, value);
    }
    return params.toString();
  }

  function nextRequest(r: Rng): FuzzRequest {
    const headers = headersFor(r);
    if (r.chance(0.2)) {
      const list = r.chance(0.8) ? '/api/interaction-logs/' : r.pick(['/api/leads/', '/api/tasks/', '/api/opportunities/', '/api/users/']);
      const query = feedQuery(r);
      return { method: 'GET', path: `${list}?${query}`, headers, what: `GET ${list}?${query.slice(0, 200)}` };
    }
    const route = r.pick(ROUTES);
    const path = route.path(idFor(r, route));
    if (route.method === 'DELETE') return { method: 'DELETE', path, headers, what: `DELETE ${path}` };
    const { body, contentType, what } = bodyFor(r, route);
    if (contentType !== undefined) headers['content-type'] = contentType;
    return { method: route.method, path, body, headers, what: `${route.method} ${path}: ${what}` };
  }

  it("answers every request with a non-5xx and api.md's error shape, and stays healthy", async () => {
    const r = prng(SEED);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const started = Date.now();
    for (let i = 0; i < COUNT; i += 1) {
      const req = nextRequest(r);
      let status: number;
      let text: string;
      try {
        const res = await fetch(new URL(req.path, apiProcess.url), {
          method: req.method,
          headers: req.headers,
          body: req.body,
          signal: AbortSignal.timeout(20_000),
        });
        status = res.status;
        text = await res.text();
      } catch (err) {
        failures.push(`#${i} ${req.what}: no answer (${(err as Error).message}${(err as { cause?: Error }).cause ? `: ${(err as { cause: Error }).cause.message}` : ''})`);
        if (apiProcess.exitStatus()) break;
        continue;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500) failures.push(`#${i} ${req.what}: ${status} ${text.slice(0, 300)}`);
      else if (status >= 400) {
        let body: any;
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
        const shaped = body && typeof body === 'object' && body.status === status && typeof body.error === 'string' && 'message' in body && Object.keys(body).length === 3;
        if (!shaped) failures.push(`#${i} ${req.what}: ${status} without the error shape: ${text.slice(0, 300)}`);
      } else if (status === 201 && req.method === 'POST') {
        try {
          const id = JSON.parse(text)?.id;
          if (typeof id === 'string' && !req.path.startsWith('/api/users/')) created.push(id);
        } catch {
          /* not a record */
        }
      }
    }
    const elapsed = Date.now() - started;
    process.stderr.write(`[fuzz] ${COUNT} requests in ${elapsed} ms; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`);
    writeResults({ phase: 'requests answered', elapsedMs: elapsed, statuses: Object.fromEntries([...statuses].sort()), failures });
    if (failures.length) {
      throw new Error(`FUZZ_SEED=${SEED}: ${failures.length} bad answer(s); replay with FUZZ_SEED=${SEED}:\n${failures.slice(0, 15).join('\n')}`);
    }
    // The fuzz reached past validation too: some requests were accepted, most refused.
    expect([...statuses.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
    expect([...statuses.keys()].some((s) => s >= 400 && s < 500)).toBe(true);

    expect(apiProcess.exitStatus()).toBeNull();
    const health = await fetch(`${apiProcess.url}/health`);
    expect(health.status).toBe(200);
  });

  it('delivers every event crm-api accepted exactly once, and dead-letters none of them', async () => {
    // Everything crm-api committed leaves the outbox, and each event is one log.
    await eventually(
      async () => {
        const { rows } = await db.query(`select count(*)::int as unsent from crm.outbox where sent_at is null`);
        expect(rows[0].unsent).toBe(0);
        const counts = await db.query(
          `select (select count(*)::int from crm.outbox) as events,
                  (select count(*)::int from activity.interaction_log) as logs,
                  (select count(*)::int from crm.outbox o where not exists (select 1 from activity.interaction_log l where l.id = o.id)) as missing`,
        );
        const { events, logs, missing } = counts.rows[0];
        expect({ missing, logs }).toEqual({ missing: 0, logs: events });
      },
      { timeout: 60_000, interval: 250 },
    );
    // The logger acks after its commit, so the last log can be readable a moment before its
    // ack reaches the broker, and rabbitmqctl's count of a quorum queue lags by up to seconds:
    // poll. An ack really lost would leave the message unacked for good and still fail here.
    await eventually(
      async () => {
        const queues = await rabbitmqctl(['list_queues', '-p', stack.name, 'name', 'messages']);
        const depth = (name: string) =>
          Number(
            queues
              .split('\n')
              .map((l) => l.trim().split(/\s+/))
              .find(([n]) => n === name)?.[1] ?? NaN,
          );
        expect({ queue: depth('activity-logger'), deadLetters: depth('activity-logger.dead-letter') }).toEqual({ queue: 0, deadLetters: 0 });
      },
      { timeout: 15_000, interval: 250 },
    );
    expect(loggerProcess.exitStatus()).toBeNull();
    expect((await fetch(`${loggerProcess.url}/health/ready`)).status).toBe(200);
  });

  it('neither app printed an unhandled error over the whole fuzz (their logs read whole, once they have exited)', async () => {
    const [apiLog, loggerLog] = await Promise.all([apiProcess.wholeLog(), loggerProcess.wholeLog()]);
    expect(apiLog).toMatch(/"msg":"listening"/); // the whole log, from its start
    for (const log of [apiLog, loggerLog]) expect(log).not.toMatch(/"msg":"unhandled error"|UnhandledPromiseRejection|uncaughtException/);
    writeResults({ phase: 'done', apiLog: apiProcess.logFile, loggerLog: loggerProcess.logFile });
  });
});
