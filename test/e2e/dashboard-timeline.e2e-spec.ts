import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BrowserContext, Page } from 'playwright-core';
import { ROOT } from '../support/resources';
import { CHROMIUM, requireChromium } from '../utils/browser';
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
  startApi,
  startLogger,
  testEnv,
  update,
  User,
} from '../utils';
import { dashboardPage, openWatchedPage } from './dashboard.shared';

/**
 * Acting from a record's timeline in Chromium (issue 15 part 5): the record's header,
 * logging from the page, the lane and rollup switches, "via", the CSV download.
 * A stack of its own: one test stops the only logger to see a log shown before it is
 * written (another file's logger on the shared queue would write it at once).
 *
 * DASHBOARD_SCREENSHOT=docs/dashboard.png also saves docs/dashboard-timeline.png.
 */
const TIMEOUT_MS = 120_000;
jest.setTimeout(TIMEOUT_MS);

describe("a record's timeline in the dashboard", () => {
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
  let pageUrl: string;
  let page: Page;
  const pageErrors: string[] = [];
  const dash = dashboardPage();
  const { entryWith, shows, summaries, listsExactly, feedLoaded, text, markDocument, stillSameDocument, logFromForm, countMostShown, mostShown, localTime } = dash;
  /** The one 4xx the page is made to meet on purpose (the blank summary, the future time). */
  const refusedOnPurpose = (method: string, url: string, status: number) => status === 400 && method === 'POST' && url.endsWith('/log_interaction/');

  const wait = { prefer: 'wait=10' };
  const open = async (query: string) => {
    await page.goto(`${pageUrl}?${query}`);
    await feedLoaded();
    await page.locator('#live.on').waitFor();
  };

  const leadCreated = (l: { name: string; company: string }) => `New lead created: ${l.name} from ${l.company}`;
  const leadFields = { name: 'Mary Jackson', company: 'Langley Aeronautics', status: 'contacted' };
  let lead: { id: string };
  let contact: { id: string };
  let opportunity: { id: string; name: string };

  beforeAll(async () => {
    stack = await isolatedStack();
    apiProcess = await startApi(stack.env);
    logger = await startLogger(stack.env);
    client = await api(apiProcess.url);
    rep = await createUser(client, 'sales_rep', 'Dorothy Vaughan');
    lead = await create(client, 'leads', { ...leadFields, assigned_to: rep.id });
    contact = await create(client, 'contacts', { name: 'Christine Darden', company: 'Sonic Boom Research', email: 'christine@sonic.test' });
    opportunity = await create(client, 'opportunities', { name: 'Supersonic wing study', amount: '120000.00', stage: 'proposal', contact: contact.id, owner: rep.id });
    await logWithSummary(client, { lead: lead.id }, leadCreated(leadFields));
    pageUrl = `${apiProcess.url}/dashboard/`;
    ({ browser, page } = await openWatchedPage(dash, pageErrors, refusedOnPurpose));
    await page.goto(pageUrl);
    await page.getByTestId('email').fill(admin.email);
    await page.getByTestId('password').fill(admin.password);
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('whoami').filter({ hasText: admin.email }).waitFor();
  }, TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await logger?.stop();
    await apiProcess?.stop();
    await stack?.destroy();
  }, TIMEOUT_MS);

  it('heads a timeline with the record: name, company, status or stage, owner', async () => {
    await open(`lead=${lead.id}`);
    await page.getByTestId('record-name').filter({ hasText: leadFields.name }).waitFor();
    expect(await text('record-kind')).toBe('Lead');
    expect(await text('record-company')).toBe(leadFields.company);
    expect(await text('record-status')).toBe('contacted');
    await page.getByTestId('record-owner').filter({ hasText: rep.name }).waitFor();
    await listsExactly([leadCreated(leadFields)]);

    // An opportunity: its stage, its owner, and its contact's company.
    await open(`opportunity=${opportunity.id}`);
    await page.getByTestId('record-name').filter({ hasText: opportunity.name }).waitFor();
    expect(await text('record-status')).toBe('proposal');
    await page.getByTestId('record-company').filter({ hasText: 'Sonic Boom Research' }).waitFor();
    await page.getByTestId('record-owner').filter({ hasText: rep.name }).waitFor();
    await markDocument();
    // A change made elsewhere shows in the header as it comes on the stream, without a reload.
    await update(client, 'opportunities', opportunity.id, { stage: 'negotiation', owner: (await client.get('/api/users/me/')).body.id });
    await page.getByTestId('record-status').filter({ hasText: 'negotiation' }).waitFor({ timeout: 30_000 });
    await page.getByTestId('record-owner').filter({ hasText: 'Admin' }).waitFor();
    await stillSameDocument();

    // The feed with no record has no card.
    await open('');
    expect(await page.getByTestId('record').isHidden()).toBe(true);
  });

  it('shows a call logged from the form at once, before the logger writes it, and once only', async () => {
    await open(`lead=${lead.id}`);
    const summary = 'Called Mary about the wind tunnel schedule';
    await countMostShown(summary);
    await logger.stop(); // nothing can come on the stream: what shows is the 202's pending view
    try {
      await logFromForm('call', summary);
      await shows(summary);
      expect(await entryWith(summary).getByTestId('entry-pending').count()).toBe(1);
      expect(await entryWith(summary).getByTestId('entry-type').textContent()).toBe('Call');
      expect(await text('log-status')).toBe('Logged.');
      expect(await page.getByTestId('log-summary').inputValue()).toBe(''); // ready for the next one
      await listsExactly([summary, leadCreated(leadFields)]);
    } finally {
      logger = await startLogger(stack.env);
    }
    // The written log comes on the stream and takes the pending one's place.
    await entryWith(summary).getByTestId('entry-pending').waitFor({ state: 'detached', timeout: 30_000 });
    await listsExactly([summary, leadCreated(leadFields)]);
    expect(await mostShown(summary)).toEqual({ most: 1, pendingSeen: true });
    const written = await logWithSummary(client, { lead: lead.id }, summary);
    expect(written).toMatchObject({ type: 'call', source: 'manual' });
    expect(await entryWith(summary).getAttribute('data-id')).toBe(written.id);

    // A reload lists it once too.
    await page.reload();
    await feedLoaded();
    await listsExactly([summary, leadCreated(leadFields)]);
  });

  it('puts a note logged with a time in the past where that time sorts it, marked backdated', async () => {
    await open(`lead=${lead.id}`);
    const summary = 'Met Mary at the conference two days ago';
    await countMostShown(summary);
    await logFromForm('note', summary, await localTime(2));
    await shows(summary);
    // Older than the lead's creation: last.
    await listsExactly(['Called Mary about the wind tunnel schedule', leadCreated(leadFields), summary]);
    await entryWith(summary).getByTestId('entry-pending').waitFor({ state: 'detached', timeout: 30_000 });
    expect(await entryWith(summary).getByTestId('entry-backdated').textContent()).toBe('backdated');
    expect(await entryWith(summary).getByTestId('entry-type').textContent()).toBe('Note');
    expect((await mostShown(summary)).most).toBe(1);
    const written = await logWithSummary(client, { lead: lead.id }, summary);
    expect(Date.now() - Date.parse(written.timestamp)).toBeGreaterThan(2 * 86_400_000 - 120_000);
  });

  it("shows the API's message for bad input, and the form still works after", async () => {
    await open(`lead=${lead.id}`);
    const refused = await client.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'email', summary: '   ' });
    expectStatus(refused, 400);
    const message = [refused.body.message].flat().join('; ');
    expect(message).toMatch(/summary/);

    await logFromForm('email', '   ');
    await page.getByTestId('log-error').filter({ hasText: message }).waitFor();
    expect(await page.getByTestId('log-error').textContent()).toBe(message);

    // A time in the future: refused by the API, its words on the page.
    await logFromForm('email', 'Sent Mary the report', await localTime(-2));
    await page.getByTestId('log-error').filter({ hasText: 'must not be in the future' }).waitFor();
    expect(await entryWith('Sent Mary the report').count()).toBe(0);

    // Keyboard only: the error goes with the next good log.
    await page.getByTestId('log-when').fill('');
    await page.getByTestId('log-summary').focus();
    await page.keyboard.press('Tab'); // to the button
    await page.keyboard.press('Enter');
    await shows('Sent Mary the report');
    expect(await text('log-error')).toBe('');
  });

  it('logs once a log whose answer was lost and that is sent again (Idempotency-Key)', async () => {
    await open(`opportunity=${opportunity.id}`);
    const summary = 'Reviewed the wing study budget with Christine';
    await countMostShown(summary);
    // The first POST reaches crm-api, which logs it; its answer never reaches the page.
    let answered = 0;
    await page.route('**/log_interaction/', async (route) => {
      if (answered++ > 0) return route.continue();
      await route.fetch();
      await route.abort('connectionreset');
    });
    try {
      await logFromForm('meeting', summary);
      await page.getByTestId('log-error').filter({ hasText: 'Cannot reach the server' }).waitFor();
      const again = page.waitForResponse((r) => r.url().endsWith('/log_interaction/'));
      await page.getByTestId('log-submit').click();
      expect((await again).headers()['idempotent-replayed']).toBe('true');
    } finally {
      await page.unroute('**/log_interaction/');
    }
    await shows(summary);
    expect(await text('log-error')).toBe('');
    const written = await logWithSummary(client, { opportunity: opportunity.id }, summary);
    await entryWith(summary).getByTestId('entry-pending').waitFor({ state: 'detached', timeout: 30_000 });
    expect(await entryWith(summary).getAttribute('data-id')).toBe(written.id);
    const logged = (await client.get(`/api/interaction-logs/?opportunity=${opportunity.id}&limit=100`)).body.results;
    expect(logged.filter((l: { summary: string }) => l.summary === summary)).toHaveLength(1);
    expect((await mostShown(summary)).most).toBe(1);
  });

  it('switches lanes: only interactions, only changes, kept in the URL across a reload', async () => {
    await open(`lead=${lead.id}`);
    await shows(leadCreated(leadFields));
    await page.getByTestId('lane-interaction').check();
    await page.waitForURL(/[?&]kind=interaction/);
    await listsExactly(['Sent Mary the report', 'Called Mary about the wind tunnel schedule', 'Met Mary at the conference two days ago']);
    expect(await page.getAttribute('[data-testid=entry]', 'data-kind')).toBe('interaction');

    // With the keyboard: the next radio of the group.
    await page.getByTestId('lane-interaction').focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForURL(/[?&]kind=change/);
    await listsExactly([leadCreated(leadFields)]);

    await page.reload();
    await feedLoaded();
    expect(await page.getByTestId('lane-change').isChecked()).toBe(true);
    await listsExactly([leadCreated(leadFields)]);

    await page.getByTestId('lane-all').check();
    await page.waitForURL((url) => !url.search.includes('kind='));
    await eventually(async () => expect(await summaries()).toHaveLength(4));
  });

  it("rolls up a contact's timeline with its opportunity's logs, each saying via what", async () => {
    const oppLog = 'Sent the wing study proposal';
    expectStatus(await client.post(`/api/opportunities/${opportunity.id}/log_interaction/`, { type: 'email', summary: oppLog }, wait), 201);
    expectStatus(await client.post(`/api/contacts/${contact.id}/log_interaction/`, { type: 'meeting', summary: 'Met Christine' }, wait), 201);
    await open(`contact=${contact.id}`);
    await shows('Met Christine');
    expect(await entryWith(oppLog).count()).toBe(0);
    expect(await page.getByTestId('entry-via').count()).toBe(0);

    await page.getByTestId('rollup').check();
    await page.waitForURL(/[?&]rollup=true/);
    await shows(oppLog);
    expect(await entryWith(oppLog).getByTestId('entry-via').textContent()).toBe(`via Opportunity ${opportunity.name}`);
    expect(await entryWith('Met Christine').getByTestId('entry-via').count()).toBe(0); // the contact's own
    await page.getByTestId('feed-title').filter({ hasText: 'with related records' }).waitFor();

    await page.reload();
    await feedLoaded();
    expect(await page.getByTestId('rollup').isChecked()).toBe(true);
    await shows(oppLog);

    // Live too: a new log on the opportunity arrives on the rolled-up stream with its via.
    const live = 'Called Christine about the proposal';
    expectStatus(await client.post(`/api/opportunities/${opportunity.id}/log_interaction/`, { type: 'call', summary: live }), 202);
    await shows(live);
    expect(await entryWith(live).getByTestId('entry-via').textContent()).toBe(`via Opportunity ${opportunity.name}`);

    const target = process.env.DASHBOARD_SCREENSHOT;
    if (target) {
      const file = resolve(ROOT, target.replace(/(\.png)?$/, '-timeline.png'));
      mkdirSync(dirname(file), { recursive: true });
      await page.getByTestId('log-summary').fill('Sent Christine the revised figures');
      await page.screenshot({ path: file, animations: 'disabled' });
      await page.getByTestId('log-summary').fill('');
    }

    await page.getByTestId('rollup').uncheck();
    await page.waitForURL((url) => !url.search.includes('rollup='));
    await eventually(async () => expect(await summaries()).not.toContain(oppLog));
  });

  it('downloads the timeline as CSV with the token, rows as on the page', async () => {
    await open(`lead=${lead.id}`);
    await eventually(async () => expect(await summaries()).toHaveLength(4));
    const shown = await summaries();
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.getByTestId('download-csv').click()]);
    expect(download.suggestedFilename()).toMatch(/^timeline-mary-jackson-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/summary/);
    expect(lines).toHaveLength(shown.length + 1);
    for (const summary of shown) expect(csv).toContain(summary);
    expect(csv).not.toContain('Met Christine');
    await page.getByTestId('log-status').filter({ hasText: 'CSV downloaded.' }).waitFor();
  });

  it('replaces an edited log in place, marked edited, and removes a deleted one, live', async () => {
    await open(`lead=${lead.id}`);
    const before = 'Sent Mary the report';
    const after = 'Sent Mary the report and the wind tunnel data';
    await shows(before);
    const id = await entryWith(before).getAttribute('data-id');
    await countMostShown(after);
    expectStatus(await client.patch(`/api/interaction-logs/${id}/`, { summary: after }, wait), 200);
    await shows(after);
    expect(await page.locator(`[data-testid=entry][data-id="${id}"]`).count()).toBe(1);
    expect(await entryWith(after).getByTestId('entry-edited').textContent()).toBe('edited');
    expect(await entryWith(before).filter({ hasNotText: after }).count()).toBe(0);
    // Its place is its time's, which an edit keeps.
    await listsExactly([after, 'Called Mary about the wind tunnel schedule', leadCreated(leadFields), 'Met Mary at the conference two days ago']);

    expectStatus(await client.delete(`/api/interaction-logs/${id}/`, wait), 204);
    await entryWith(after).waitFor({ state: 'detached', timeout: 30_000 });
    await listsExactly(['Called Mary about the wind tunnel schedule', leadCreated(leadFields), 'Met Mary at the conference two days ago']);
  });

  it('met no error in the page on the way but the refusals it was made to meet', () => {
    expect(pageErrors).toEqual([]);
  });
});
