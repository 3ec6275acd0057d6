// The list of entries: loading a view, paging, and putting each log in its place once.
import { getJson, relative, SignedOut } from './api.js';
import { FILTERS, PAGE_SIZE, RECORD_KINDS } from './constants.js';
import { $ } from './dom.js';
import { entry } from './entries.js';
import { nameOf } from './names.js';
import { refreshRecord, renderRecord } from './record.js';
import { state } from './state.js';
import { follow } from './stream.js';
import type { Filters, Id, Log, Page, RecordRef } from './types.js';

/**
 * Puts a log in its place, newest first by (timestamp, id), once. A live log older
 * than everything shown is left for "load more" to bring, in order.
 */
export function place(log: Log, live: boolean): void {
  const old = state.shown.get(log.id);
  if (old) {
    // The same log again: from the list and the stream (nothing new), as written after
    // its pending view (replace it), or edited (replace it, maybe at a new time).
    const pending = old.classList.contains('pending');
    if (log.status === 'pending' || (!pending && old.dataset.edited === (log.edited_at || ''))) return;
    old.remove();
    state.shown.delete(log.id);
  }
  const item = entry(log);
  const key = item.dataset.key!;
  const feed = $('feed');
  const before = (Array.from(feed.children) as HTMLElement[]).find((li) => li.dataset.key! < key);
  if (before) before.before(item);
  else if (live && state.next && !old) return;
  else feed.append(item);
  if (live) item.classList.add('fresh');
  state.shown.set(log.id, item);
  $('feed-empty').hidden = true;
  // The system's logs about the record (a status or stage change, a reassignment) may change its header.
  if (live && log.source === 'auto' && state.record && log[state.record.kind] === state.record.id) refreshRecord();
}

/** A log deleted (an 'interaction-log-deleted' event): its entry goes. */
export function unplace(id: Id): void {
  const item = state.shown.get(id);
  if (!item) return;
  item.remove();
  state.shown.delete(id);
  $('feed-empty').hidden = state.shown.size > 0;
}

/** The one record whose timeline this is, or null (no record filter, or several). */
export function timelineRecord(filters: Filters): RecordRef | null {
  const kinds = RECORD_KINDS.filter((k) => filters[k]);
  return kinds.length === 1 ? { kind: kinds[0], id: filters[kinds[0]] } : null;
}

/** The query of the list, the stream and the export for this view, with extra parameters. */
export function feedQuery(extra?: Record<string, string | number>): string {
  const q = new URLSearchParams(state.filters);
  const rollup = state.filters.rollup === 'true' && timelineRecord(state.filters);
  if (!rollup) q.delete('rollup');
  // An opportunity's timeline is the original app's: its logs and its contact's (a
  // rolled-up one has its contact already).
  if (state.filters.opportunity && !rollup) q.set('include_contact', 'true');
  for (const [k, v] of Object.entries(extra || {})) q.set(k, String(v));
  return q.toString();
}

export function showFeedError(text: string | null): void {
  $('feed-error').hidden = !text;
  $('feed-error').textContent = text || '';
}

export async function loadPage(path: string, view: number, signal: AbortSignal): Promise<void> {
  const more = $<HTMLButtonElement>('load-more');
  more.disabled = true;
  try {
    const page = await getJson<Page<Log>>(path, signal);
    if (view !== state.view) return;
    state.next = page.next ? relative(page.next) : null;
    for (const log of page.results) place(log, false);
  } catch (e) {
    if (view === state.view && !signal.aborted && !(e instanceof SignedOut)) showFeedError('Could not load the feed: ' + (e as Error).message);
  } finally {
    if (view === state.view) {
      $('feed').dataset.loaded = 'true';
      more.disabled = false;
      more.hidden = !state.next;
      $('feed-empty').hidden = state.shown.size > 0 || !$('feed-error').hidden;
    }
  }
}

/** After a stream cut before its first event: the newest page, placed as live logs. */
export function refill(query: string, view: number, signal: AbortSignal): void {
  const q = new URLSearchParams(query);
  q.set('limit', String(PAGE_SIZE));
  getJson<Page<Log>>('/api/interaction-logs/?' + q.toString(), signal).then(
    (page) => {
      if (view === state.view) for (const log of page.results) place(log, true);
    },
    () => undefined,
  );
}

async function renderTitle(): Promise<void> {
  const f = state.filters;
  const kind = RECORD_KINDS.find((k) => f[k]);
  const title = $('feed-title');
  $('clear-filters').hidden = !FILTERS.some((k) => f[k]);
  if (!kind) {
    title.textContent = 'Recent activity';
    return;
  }
  const rolled = f.rollup === 'true' && timelineRecord(f);
  const suffix = rolled ? ' (with related records)' : kind === 'opportunity' ? ' (with its contact)' : '';
  title.textContent = 'Timeline of ' + kind + ' ' + f[kind].slice(0, 8) + suffix;
  const name = await nameOf(kind, f[kind]);
  if (name && state.filters[kind] === f[kind]) title.textContent = 'Timeline of ' + kind + ' ' + name + suffix;
}

/** Reloads the list and the stream for the current filters. */
export async function load(): Promise<void> {
  const view = (state.view += 1);
  if (state.abort) state.abort.abort();
  const abort = (state.abort = new AbortController());
  state.shown.clear();
  state.next = null;
  $('feed').replaceChildren();
  delete $('feed').dataset.loaded;
  $('load-more').hidden = true;
  $('feed-empty').hidden = true;
  showFeedError(null);
  void renderTitle();
  void renderRecord(view);
  // The stream first: a log written while the first page loads then arrives by one,
  // the other or both (shown once), never by neither.
  await follow(feedQuery(), view, abort.signal);
  if (view === state.view) await loadPage('/api/interaction-logs/?' + feedQuery({ limit: PAGE_SIZE }), view, abort.signal);
}
