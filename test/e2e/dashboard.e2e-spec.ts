import { BrowserContext, Page } from 'playwright-core';
import { CHROMIUM, requireChromium } from '../utils/browser';
import {
  api,
  ApiClient,
  AppProcess,
  create,
  createProxy,
  createUser,
  eventually,
  expectStatus,
  feed,
  isolatedStack,
  IsolatedStack,
  logsEventually,
  logWithSummary,
  startApi,
  startLogger,
  TcpProxy,
  testEnv,
  update,
  User,
} from '../utils';
import { dashboardPage, openWatchedPage } from './dashboard.shared';

/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core.
 * The file has a stack of its own (database and vhost): it stops the only logger
 * and expects the page to say the feed is delayed, which another file's logger on
 * the shared queue would prevent.
 *
 * DASHBOARD_SCREENSHOT=docs/dashboard.png also saves the page for the README: with
 * real entries of every kind there, and with the delayed banner in
 * docs/dashboard-delayed.png.
 */
const TIMEOUT_MS = 120_000;
jest.setTimeout(TIMEOUT_MS);

describe('the dashboard in Chromium', () => {
  // The test run installs Chromium before jest starts (scripts/lib/chromium.js). Missing
  // here is a failure, never a skip: these tests are the dashboard's only coverage.
  it(`Chromium is installed at ${CHROMIUM}`, () => {
    requireChromium();
  });

  const admin = testEnv().admin;
  let stack: IsolatedStack;
  let apiProcess: AppProcess;
  let logger: AppProcess;
  let client: ApiClient;
  let rep: User;
  let browser: { context: BrowserContext; close(): Promise<void> };
  /** The browser reaches crm-api through it, so a test can cut the line. */
  let proxy: TcpProxy;
  let pageUrl: string;
  let page: Page;
  const pageErrors: string[] = [];
  const dash = dashboardPage();
  const { entries, entryWith, shows, summaries, listsExactly, feedLoaded, screenshot, markDocument, stillSameDocument } = dash;

  const leadA = { name: 'Ada Lovelace', company: 'Analytical Engines Ltd' };
  const leadB = { name: 'Alan Turing', company: 'Bletchley Computing' };
  const created = (l: { name: string; company: string }) => `New lead created: ${l.name} from ${l.company}`;
  let a: { id: string };

  beforeAll(async () => {
    stack = await isolatedStack();
    apiProcess = await startApi(stack.env);
    logger = await startLogger(stack.env);
    client = await api(apiProcess.url);
    // Before the page loads, so the user filter lists her.
    rep = await createUser(client, 'sales_rep', 'Dorothy Vaughan');
    proxy = await createProxy('127.0.0.1', apiProcess.port);
    pageUrl = `http://${proxy.host}:${proxy.port}/dashboard/`;
    // Whatever goes wrong in the page, save the one wrong password tried on purpose.
    ({ browser, page } = await openWatchedPage(dash, pageErrors, (_method, url, status) => status === 401 && new URL(url).pathname === '/api/auth/token/'));
  }, TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await logger?.stop();
    await apiProcess?.stop();
    await stack?.destroy();
  }, TIMEOUT_MS);

  it('is served at /dashboard and /dashboard/ without a token, as HTML with a strict policy', async () => {
    for (const path of ['/dashboard', '/dashboard/']) {
      const res = await fetch(`${apiProcess.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await res.text()).toContain('<title>CRM activity</title>');
    }
    const script = await fetch(`${apiProcess.url}/dashboard/dashboard.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('signs in, and shows a lead created through the API live, without a reload', async () => {
    await page.goto(pageUrl);
    await page.getByTestId('email').fill(admin.email);
    await page.getByTestId('password').fill('not the password');
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('sign-in-error').filter({ hasText: 'Wrong email or password.' }).waitFor();

    await page.getByTestId('password').fill(admin.password);
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('whoami').filter({ hasText: admin.email }).waitFor();
    await page.locator('#live.on').waitFor(); // the stream is open
    await feedLoaded();
    await page.getByTestId('feed-empty').waitFor(); // a new database: nothing yet
    await markDocument();

    a = await create(client, 'leads', leadA);
    await shows(created(leadA));
    const entry = entryWith(created(leadA));
    expect(await entry.getByTestId('entry-user').textContent()).toBe('Admin');
    expect(await entry.getByTestId('entry-type').textContent()).toBe('Note');
    expect(await entry.getByTestId('link-lead').getAttribute('href')).toBe(`?lead=${a.id}`);

    await create(client, 'leads', leadB);
    await shows(created(leadB));
    await listsExactly([created(leadB), created(leadA)]); // newest first
    await stillSameDocument();
  });

  it("opens a lead's timeline from its link, and filters by type and by user", async () => {
    await entryWith(created(leadA)).getByTestId('link-lead').click();
    await page.waitForURL(`**/dashboard/?lead=${a.id}`);
    await page
      .getByTestId('feed-title')
      .filter({ hasText: `Timeline of lead ${leadA.name}` })
      .waitFor();
    await listsExactly([created(leadA)]);
    expect(await page.getByTestId('filter-lead').inputValue()).toBe(a.id);

    // Written before A's call (Prefer: wait), so once the call is on the page the
    // stream has passed B's email: its absence means it was filtered out.
    const b = (await client.get(`/api/leads/?limit=100`)).body.results.find((l: { name: string }) => l.name === leadB.name);
    const wait = { prefer: 'wait=10' };
    expectStatus(await client.post(`/api/leads/${b.id}/log_interaction/`, { type: 'email', summary: 'Sent Alan the pricing sheet' }, wait), 201);
    expectStatus(await client.post(`/api/leads/${a.id}/log_interaction/`, { type: 'call', summary: 'Called Ada about the engine order' }, wait), 201);
    await shows('Called Ada about the engine order');
    await listsExactly(['Called Ada about the engine order', created(leadA)]);
    expect(await entryWith('Called Ada').getByTestId('entry-type').textContent()).toBe('Call');

    await page.getByTestId('filter-type').selectOption('call');
    await page.waitForURL(/[?&]type=call/);
    await listsExactly(['Called Ada about the engine order']);

    await page.getByTestId('clear-filters').click();
    await page.waitForURL(/\/dashboard\/$/);
    const byRep = { name: 'Katherine Johnson', company: 'Orbital Dynamics' };
    await create(rep.client, 'leads', byRep);
    await shows(created(byRep));
    await page.getByTestId('filter-user').selectOption(rep.id);
    await listsExactly([created(byRep)]);
    expect(await entryWith(created(byRep)).getByTestId('entry-user').textContent()).toBe(rep.name);

    await page.getByTestId('clear-filters').click();
    await shows(created(leadB));
    await stillSameDocument();
  });

  it("shows every kind of activity, and an opportunity's timeline with its contact's", async () => {
    const contact = await create(client, 'contacts', { name: 'Grace Hopper', company: 'Navy Labs', email: 'grace@navylabs.test' });
    const opportunity = await create(client, 'opportunities', { name: 'COBOL compiler licence', amount: '50000.00', contact: contact.id });
    await update(client, 'opportunities', opportunity.id, { stage: 'won' });
    await create(client, 'quotes', { title: 'COBOL compiler, 3 years', total_price: '48000.00', opportunity: opportunity.id });
    expectStatus(await client.post(`/api/contacts/${contact.id}/log_interaction/`, { type: 'meeting', summary: 'Kick-off meeting with Grace' }), 202);
    const task = await create(client, 'tasks', { action: 'Call', target: 'Grace Hopper at Navy Labs', type: 'call', contact: contact.id, opportunity: opportunity.id });
    expectStatus(await client.post(`/api/tasks/${task.id}/mark_completed/`, { notes: 'Contract signed' }), 200);

    const won = 'Opportunity COBOL compiler licence WON! \u{1F389} Deal closed successfully';
    for (const summary of [won, 'Kick-off meeting with Grace', 'Task completed: Call Grace Hopper at Navy Labs - Notes: Contract signed']) {
      await shows(summary);
    }
    expect(await entryWith('Kick-off meeting').getByTestId('entry-type').textContent()).toBe('Meeting');
    // Every user's name resolved before the picture is taken.
    await eventually(async () => expect(await page.getByTestId('entry-user').allTextContents()).not.toContainEqual(expect.stringMatching(/^user /)));
    await screenshot('');

    // The opportunity's timeline holds its contact's meeting too (include_contact).
    await entryWith(won).getByTestId('link-opportunity').click();
    await page.getByTestId('feed-title').filter({ hasText: 'Timeline of opportunity COBOL compiler licence' }).waitFor();
    await shows('Kick-off meeting with Grace');
    await eventually(async () => {
      const shown = await summaries();
      expect(shown).toContain(won);
      expect(shown).not.toContain(created(leadA));
    });
    await stillSameDocument();
  });

  it('shows a banner while the logger is stopped, and the missed logs once it is back', async () => {
    const banner = page.getByTestId('delay-banner');
    expect(await banner.isHidden()).toBe(true);
    const clear = page.getByTestId('clear-filters');
    if (await clear.isVisible()) await clear.click();
    await feedLoaded();

    await logger.stop(); // SIGTERM
    await banner.waitFor({ state: 'visible', timeout: 30_000 });
    await page.getByTestId('delay-reasons').filter({ hasText: 'no activity-logger is consuming' }).waitFor();

    const late = { name: 'Margaret Hamilton', company: 'Apollo Guidance' };
    await create(client, 'leads', late);
    await page.getByTestId('delay-reasons').filter({ hasText: 'waiting in the queue' }).waitFor({ timeout: 30_000 });
    await screenshot('-delayed');

    logger = await startLogger(stack.env);
    await shows(created(late));
    await banner.waitFor({ state: 'hidden', timeout: 30_000 });
    await stillSameDocument();
  });

  it('keeps the session across a reload, and pages with "load more"', async () => {
    const before = (await feed(client)).results.length;
    const more = Array.from({ length: 21 }, (_, i) => ({ name: `Prospect ${i + 1}`, company: 'Load More Inc' }));
    for (const lead of more) await create(client, 'leads', lead);
    const total = before + more.length; // more than the page's 20
    await logsEventually(client, {}, total);

    await page.reload();
    await feedLoaded();
    expect(await page.getByTestId('sign-in').isHidden()).toBe(true); // the token is in sessionStorage
    expect(await entries().count()).toBe(20);
    expect((await summaries())[0]).toBe(created(more[20]));

    await page.getByTestId('load-more').click();
    await eventually(async () => expect(await entries().count()).toBe(total));
    await page.getByTestId('load-more').waitFor({ state: 'hidden' });
    expect((await summaries())[total - 1]).toBe(created(leadA)); // the oldest, last
  });

  it('resumes the stream after the line to crm-api is cut, and misses nothing written meanwhile', async () => {
    await markDocument();
    const resumedFrom: string[] = [];
    page.on('request', (r) => {
      const id = r.headers()['last-event-id'];
      if (new URL(r.url()).pathname === '/api/interaction-logs/stream/' && id) resumedFrom.push(id);
    });
    const live = page.locator('#live.on');
    const cutAndWrite = async (lead: { name: string; company: string }) => {
      proxy.cut();
      await page.locator('#live:not(.on)').waitFor(); // the page saw the stream drop
      await page.getByTestId('delay-reasons').filter({ hasText: 'cannot ask crm-api' }).waitFor();
      await create(client, 'leads', lead);
      await logWithSummary(client, {}, created(lead)); // written while the page was cut off
      proxy.restore();
      await live.waitFor({ timeout: 30_000 });
      await shows(created(lead));
    };
    // Cut before any log came on this connection (the page was just reloaded): the
    // stream opened with its start position as an id-only block, so the page resumes
    // from there with Last-Event-ID and still misses nothing.
    await cutAndWrite({ name: 'Radia Perlman', company: 'Spanning Trees' });
    expect(resumedFrom.length).toBeGreaterThan(0);
    expect(resumedFrom.every((id) => /^\d+\.00000000-0000-0000-0000-000000000000$/.test(id))).toBe(true);
    resumedFrom.length = 0;

    // Once an event came on the stream, the page resumes from it with Last-Event-ID.
    await create(client, 'leads', { name: 'Barbara Liskov', company: 'Substitution Labs' });
    await shows(created({ name: 'Barbara Liskov', company: 'Substitution Labs' }));
    await cutAndWrite({ name: 'Frances Allen', company: 'Optimizing Compilers' });
    expect(resumedFrom.length).toBeGreaterThan(0);
    expect(resumedFrom.every((id) => !id.endsWith('.00000000-0000-0000-0000-000000000000'))).toBe(true); // a log's own position
    await stillSameDocument();
  });

  it('marks a backdated log as such, and only that one', async () => {
    const lead = await create(client, 'leads', { name: 'Hedy Lamarr', company: 'Frequency Hopping' });
    const wait = { prefer: 'wait=10' };
    const lastWeek = new Date(Date.now() - 7 * 86_400_000).toISOString();
    expectStatus(await client.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'call', summary: 'Called Hedy last week, noted today', timestamp: lastWeek }, wait), 201);
    expectStatus(await client.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'note', summary: 'Noted Hedy right away' }, wait), 201);
    await page.goto(`${pageUrl}?lead=${lead.id}`);
    await shows('Called Hedy last week, noted today');
    await shows('Noted Hedy right away');
    expect(await entryWith('Called Hedy last week').getByTestId('entry-backdated').textContent()).toBe('backdated');
    expect(await entryWith('Noted Hedy right away').getByTestId('entry-backdated').count()).toBe(0);
  });

  it('met no error in the page on the way: no uncaught exception, no failed request', () => {
    expect(pageErrors).toEqual([]);
  });
});
