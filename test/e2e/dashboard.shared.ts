// The dashboard specs' page helpers (dashboard.e2e-spec.ts, dashboard-timeline.e2e-spec.ts): what the
// page shows and how to act on it. dashboardPage() holds the page a spec opens (use() in its beforeAll).
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BrowserContext, Page } from 'playwright-core';
import { ROOT } from '../support/resources';
import { eventually } from '../utils';
import { CHROMIUM, launchChromium } from '../utils/browser';

export function dashboardPage() {
  let page: Page;

  const entries = () => page.getByTestId('entry');
  const entryWith = (summary: string) => entries().filter({ hasText: summary });
  const shows = (summary: string) => entryWith(summary).waitFor({ state: 'visible', timeout: 30_000 });
  const summaries = () => page.getByTestId('entry-summary').allTextContents();
  /** Polls until the page lists exactly these summaries, newest first. */
  const listsExactly = (expected: string[]) => eventually(async () => expect(await summaries()).toEqual(expected), { timeout: 30_000 });
  const feedLoaded = () => page.locator('#feed[data-loaded]').waitFor({ state: 'attached', timeout: 30_000 });
  const text = async (testId: string) => (await page.getByTestId(testId).textContent())?.trim();
  /** With DASHBOARD_SCREENSHOT=docs/dashboard.png: saves the page there (suffix before the extension). */
  const screenshot = async (suffix: string) => {
    const target = process.env.DASHBOARD_SCREENSHOT;
    if (!target) return;
    const file = resolve(ROOT, target.replace(/(\.png)?$/, `${suffix}.png`));
    mkdirSync(dirname(file), { recursive: true });
    await page.screenshot({ path: file, animations: 'disabled' });
  };
  /** A mark on the document: still there later means the page was never reloaded. */
  const markDocument = () => page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
  const stillSameDocument = async () => expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  const logFromForm = async (type: string, summary: string, when?: string) => {
    await page.getByTestId('log-type').selectOption(type);
    await page.getByTestId('log-summary').fill(summary);
    if (when) await page.getByTestId('log-when').fill(when);
    await page.getByTestId('log-submit').click();
  };
  /** The largest number of entries with this summary the feed ever held at once, from now on. */
  const countMostShown = (summary: string) =>
    page.evaluate((s) => {
      const w = window as unknown as { mostShown: Record<string, number>; pendingSeen: Record<string, boolean> };
      w.mostShown = w.mostShown || {};
      w.pendingSeen = w.pendingSeen || {};
      w.mostShown[s] = 0;
      const check = () => {
        const items = Array.from(document.querySelectorAll('#feed [data-testid=entry]')).filter((li) => li.querySelector('[data-testid=entry-summary]')?.textContent === s);
        w.mostShown[s] = Math.max(w.mostShown[s], items.length);
        if (items.some((li) => li.classList.contains('pending'))) w.pendingSeen[s] = true;
      };
      new MutationObserver(check).observe(document.getElementById('feed')!, { childList: true, subtree: true, attributes: true });
    }, summary);
  const mostShown = (summary: string) =>
    page.evaluate((s) => {
      const w = window as unknown as { mostShown: Record<string, number>; pendingSeen: Record<string, boolean> };
      return { most: w.mostShown[s], pendingSeen: !!w.pendingSeen[s] };
    }, summary);
  /** A datetime-local value for a time this many days ago, in the browser's own time zone. */
  const localTime = (daysAgo: number) =>
    page.evaluate((d) => {
      const t = new Date(Date.now() - d * 86_400_000);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}T${pad(t.getHours())}:${pad(t.getMinutes())}`;
    }, daysAgo);

  return {
    use: (p: Page) => (page = p),
    entries,
    entryWith,
    shows,
    summaries,
    listsExactly,
    feedLoaded,
    text,
    screenshot,
    markDocument,
    stillSameDocument,
    logFromForm,
    countMostShown,
    mostShown,
    localTime,
  };
}

/**
 * Chromium with the spec's page (given to `dash`), watched: every page error, console error
 * and HTTP error answer lands in `errors`, but those `onPurpose` says the spec causes itself.
 */
export async function openWatchedPage(
  dash: ReturnType<typeof dashboardPage>,
  errors: string[],
  onPurpose: (method: string, url: string, status: number) => boolean,
): Promise<{ browser: { context: BrowserContext; close(): Promise<void> }; page: Page }> {
  const browser = await launchChromium(CHROMIUM);
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  dash.use(page);
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !onPurpose(r.request().method(), r.url(), r.status())) errors.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
  });
  return { browser, page };
}
