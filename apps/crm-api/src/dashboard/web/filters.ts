// The view lives in the query string: filters, lane and rollup; a link or the back button keeps it.
import { FILTERS, LANES, type NamedKind } from './constants.js';
import { $ } from './dom.js';
import { load, loadPage, timelineRecord } from './feed.js';
import { ensureOption } from './names.js';
import { state } from './state.js';
import type { Filters } from './types.js';

/** The filter selects, each looked up by id: 'filter-' + its name. */
const select = (name: string) => $<HTMLSelectElement>('filter-' + name);

export function readUrl(): void {
  const q = new URLSearchParams(location.search);
  state.filters = {};
  for (const k of FILTERS) if (q.get(k)) state.filters[k] = q.get(k)!;
  // Switches only in their known states: a hand-edited URL cannot make the API refuse the view.
  if (!LANES.includes(state.filters.kind)) delete state.filters.kind;
  if (state.filters.rollup !== 'true') delete state.filters.rollup;
  syncForm();
}

export function syncForm(): void {
  for (const k of ['lead', 'opportunity', 'user'] as NamedKind[]) ensureOption(select(k), k, state.filters[k]);
  for (const k of ['lead', 'opportunity', 'user', 'type']) select(k).value = state.filters[k] || '';
  for (const radio of $('lane').querySelectorAll<HTMLInputElement>('input[name=lane]')) radio.checked = radio.value === (state.filters.kind || '');
  $<HTMLInputElement>('rollup').checked = state.filters.rollup === 'true';
}

export function navigate(filters: Filters): void {
  const q = new URLSearchParams(filters).toString();
  history.pushState(null, '', location.pathname + (q ? '?' + q : ''));
  readUrl();
  void load();
}

/** A filter select changed: a new view. */
export function onFiltersChange(): void {
  const filters: Filters = {};
  if (state.filters.contact) filters.contact = state.filters.contact;
  for (const k of ['lead', 'opportunity', 'user', 'type']) if (select(k).value) filters[k] = select(k).value;
  // The lane stays; the rollup only while the view is still one record's timeline.
  if (state.filters.kind) filters.kind = state.filters.kind;
  if (state.filters.rollup && timelineRecord(filters)) filters.rollup = state.filters.rollup;
  navigate(filters);
}

/** The timeline's switches: a new view, in the URL so that a reload or a link keeps it. */
export function switchTo(changes: Filters): void {
  const filters = Object.assign({}, state.filters, changes);
  for (const k of Object.keys(filters)) if (!filters[k]) delete filters[k];
  navigate(filters);
}

export function onLoadMore(): void {
  if (state.next) void loadPage(state.next, state.view, state.abort!.signal);
}

/** A Lead / Contact / Opportunity link on an entry: that record's timeline, without a reload. */
export function onFeedClick(e: MouseEvent): void {
  const link = (e.target as Element).closest<HTMLAnchorElement>('a.record');
  if (!link || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate({ [link.dataset.kind!]: link.dataset.record! });
}

export function onPopState(): void {
  if (!state.token) return;
  readUrl();
  void load();
}
