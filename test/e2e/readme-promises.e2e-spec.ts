import { randomBytes } from 'node:crypto';
import {
  api,
  ApiClient,
  AppProcess,
  create,
  createUser,
  eventually,
  expectStatus,
  isolatedStack,
  IsolatedStack,
  logWithSummary,
  runApiToExit,
  sendRaw,
  startApi,
  startLogger,
  uniq,
} from '../utils';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(240_000);

/**
 * README promises that only a running crm-api can show: the feed's status endpoint, the
 * login limiter's window and its reset, and every form of TRUST_PROXY. A stack of the
 * file's own: the status counts the consumers of its queue, and the test stops the only one.
 */
describe('README promises: status endpoint, login limit, TRUST_PROXY', () => {
  let stack: IsolatedStack;
  let apiProcess: AppProcess;
  let logger: AppProcess | undefined;
  let admin: ApiClient;
  const started: AppProcess[] = [];

  const start = async (env: Record<string, string> = {}) => {
    const p = await startApi({ ...stack.env, ...env });
    started.push(p);
    return p;
  };

  beforeAll(async () => {
    stack = await isolatedStack();
    [apiProcess, logger] = await Promise.all([startApi(stack.env), startLogger(stack.env)]);
    started.push(apiProcess, logger);
    admin = await api(apiProcess.url);
  });

  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
    await stack?.destroy();
  });

  /** A new user's credentials (created by the admin), for the limiter's per-(address, email) budget. */
  async function newAccount(): Promise<{ email: string; password: string }> {
    const account = { email: `${uniq('limited').replace(' ', '.')}@crm.test`, password: `pw-${randomBytes(6).toString('hex')}` };
    expectStatus(await admin.post('/api/users/', { ...account, name: 'Limited' }), 201, 'POST /api/users/');
    return account;
  }
  const login = (url: string, body: { email: string; password: string }, headers: Record<string, string> = {}) =>
    sendRaw(`${url}/api/auth/token/`, 'POST', JSON.stringify(body), { 'content-type': 'application/json', ...headers });

  describe('GET /api/interaction-logs/status/', () => {
    it('is for signed-in users: 401 without a token', async () => {
      const res = await sendRaw(`${apiProcess.url}/api/interaction-logs/status/`, 'GET', undefined);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ status: 401, error: expect.any(String), message: expect.anything() });
    });

    it('says the feed is current while a logger consumes, delayed with the reasons when none does, and current again once one is back', async () => {
      const rep = await createUser(admin);
      const status = async () => expectStatus(await rep.client.get('/api/interaction-logs/status/'), 200, 'status');
      await eventually(async () =>
        expect(await status()).toMatchObject({
          current: true,
          reasons: [],
          outbox: { pending: 0 },
          queue: { name: 'activity-logger', waiting: 0, consumers: 1 },
          broker_connected: true,
        }),
      );

      await logger!.stop();
      const name = uniq('Waiting Lead');
      await create(rep.client, 'leads', { name });
      const delayed = await eventually(async () => {
        const s = await status();
        expect(s).toMatchObject({ current: false, queue: { consumers: 0, waiting: 1 }, broker_connected: true, outbox: { pending: 0 } });
        return s;
      });
      expect(delayed.reasons).toEqual(['no activity-logger is consuming', '1 event(s) waiting in the queue']);

      logger = await startLogger(stack.env);
      started.push(logger);
      await eventually(async () => expect(await status()).toMatchObject({ current: true, reasons: [], queue: { waiting: 0, consumers: 1 } }));
      await logWithSummary(rep.client, { user: rep.id }, `New lead created: ${name}`);
    });
  });

  describe('the login limit', () => {
    it('a successful sign-in resets the count: 9 failures, a success, 9 more failures, and the right password still works', async () => {
      const account = await newAccount();
      for (let round = 0; round < 2; round += 1) {
        for (let i = 0; i < 9; i += 1) expect((await login(apiProcess.url, { ...account, password: `guess-${round}-${i}` })).status).toBe(401);
        expect((await login(apiProcess.url, account)).status).toBe(200);
      }
      // The control: without a success in between, the tenth failure locks the account.
      for (let i = 0; i < 10; i += 1) expect((await login(apiProcess.url, { ...account, password: `guess-${i}` })).status).toBe(401);
      expect((await login(apiProcess.url, account)).status).toBe(429);
    });

    it('the lock ends with its window (LOGIN_WINDOW_SECONDS): 429 with Retry-After, then the right password signs in', async () => {
      // 10 s: room for ten password checks on a loaded machine before the window ends.
      const short = await start({ LOGIN_WINDOW_SECONDS: '10' });
      const account = await newAccount();
      const firstFailure = Date.now();
      for (let i = 0; i < 10; i += 1) expect((await login(short.url, { ...account, password: `guess-${i}` })).status).toBe(401);
      const locked = await login(short.url, account);
      expect(locked.status).toBe(429);
      const retryAfter = Number(locked.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(10);
      const signedIn = await eventually(async () => expectStatus(await login(short.url, account), 200, 'login after the window'), { timeout: 40_000, interval: 500 });
      expect(signedIn.token).toEqual(expect.any(String));
      expect(Date.now() - firstFailure).toBeGreaterThanOrEqual(9_000); // not before the window ended (1 s of rounding)
    });
  });

  describe('TRUST_PROXY', () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'crm.example.com' };
    /** The `next` link of a one-row page asked for through a proxy that says https://crm.example.com. */
    const nextLink = async (url: string) => {
      const res = await sendRaw(`${url}/api/leads/?limit=1`, 'GET', undefined, { authorization: `Bearer ${admin.token}`, ...forwarded });
      return expectStatus(res, 200, 'GET /api/leads/?limit=1').next as string;
    };

    beforeAll(async () => {
      for (let i = 0; i < 2; i += 1) await create(admin, 'leads', { name: uniq('Proxy Page Lead') });
    });

    it.each([
      ['true', 'every hop'],
      ['2', 'a hop count'],
      ['127.0.0.1', 'an address'],
      ['10.0.0.0/8, 127.0.0.0/8', 'CIDRs, comma-separated'],
      ['::1,127.0.0.1/32', 'an IPv6 address and a /32'],
    ])('TRUST_PROXY=%s (%s): X-Forwarded-Proto and -Host are believed', async (value) => {
      const proxied = await start({ TRUST_PROXY: value });
      try {
        expect(await nextLink(proxied.url)).toMatch(/^https:\/\/crm\.example\.com\/api\/leads\/\?/);
      } finally {
        await proxied.stop();
      }
    });

    it.each([
      ['unset', undefined],
      ['false', 'false'],
      ['10.0.0.0/8 (a network the peer is not in)', '10.0.0.0/8'],
    ])('TRUST_PROXY %s: the headers are not believed', async (_label, value) => {
      const proxied = value === undefined ? apiProcess : await start({ TRUST_PROXY: value });
      try {
        expect(await nextLink(proxied.url)).toMatch(new RegExp(`^${proxied.url.replace(/[.]/g, '\\.')}/api/leads/\\?`));
      } finally {
        if (proxied !== apiProcess) await proxied.stop();
      }
    });

    it('a hop count believes that many hops of X-Forwarded-For for the login limit; true believes the left-most', async () => {
      const [oneHop, all] = await Promise.all([start({ TRUST_PROXY: '1' }), start({ TRUST_PROXY: 'true' })]);
      try {
        // One hop: the client is the right-most address; what a client put before it is ignored.
        const account = await newAccount();
        for (let i = 0; i < 10; i += 1)
          expect((await login(oneHop.url, { ...account, password: `guess-${i}` }, { 'x-forwarded-for': `203.0.113.${i}, 198.51.100.30` })).status).toBe(401);
        expect((await login(oneHop.url, account, { 'x-forwarded-for': '203.0.113.99, 198.51.100.30' })).status).toBe(429);
        expect((await login(oneHop.url, account, { 'x-forwarded-for': '203.0.113.99, 198.51.100.31' })).status).toBe(200);
        // Every hop: the left-most address is the client, a new one each time: never locked.
        const other = await newAccount();
        for (let i = 0; i < 12; i += 1)
          expect((await login(all.url, { ...other, password: `guess-${i}` }, { 'x-forwarded-for': `203.0.113.${i}, 198.51.100.30` })).status).toBe(401);
        expect((await login(all.url, other, { 'x-forwarded-for': '203.0.113.50, 198.51.100.30' })).status).toBe(200);
      } finally {
        await Promise.all([oneHop.stop(), all.stop()]);
      }
    });

    it.each(['yes', '-1', 'localhost', '10.0.0.1 10.0.0.2', '10.0.0.0/8;127.0.0.1'])('TRUST_PROXY=%s is refused at start, naming the variable', async (value) => {
      const { code, output } = await runApiToExit({ ...process.env, ...stack.env, NODE_ENV: 'test', PORT: '0', TRUST_PROXY: value });
      expect(code).not.toBe(0);
      expect(output).toMatch(/TRUST_PROXY/);
      expect(output).not.toMatch(/"msg":"listening"/);
    });
  });
});
