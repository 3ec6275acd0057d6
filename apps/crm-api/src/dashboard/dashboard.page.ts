import { LOG_TYPES, LogType } from '@app/contracts';

/**
 * The dashboard: one HTML page, one stylesheet, one script, kept here as strings
 * because crm-api is a single webpack bundle with no asset folder. No framework and
 * nothing from a CDN. The script and stylesheet are separate responses, not inline,
 * so the page runs under a strict Content-Security-Policy (script-src 'self').
 *
 * Server data only ever reaches the page as text (textContent, setAttribute, Text
 * nodes): never through innerHTML.
 */

const TYPE_LABELS: Record<LogType, { icon: string; label: string }> = {
  call: { icon: '📞', label: 'Call' },
  email: { icon: '✉️', label: 'Email' },
  meeting: { icon: '🤝', label: 'Meeting' },
  note: { icon: '📝', label: 'Note' },
};

/** How often the page asks whether the feed is current. */
export const STATUS_POLL_MS = 2500;
export const PAGE_SIZE = 20;

const typeOptions = LOG_TYPES.map((t) => `<option value="${t}">${TYPE_LABELS[t].label}</option>`).join('');

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CRM activity</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/dashboard.css">
<script src="/dashboard/dashboard.js" defer></script>
</head>
<body>
<header class="bar">
  <h1>CRM activity</h1>
  <span id="live" data-testid="live" class="live" hidden></span>
  <span class="spacer"></span>
  <span id="whoami" data-testid="whoami"></span>
  <button id="sign-out" data-testid="sign-out" type="button" hidden>Sign out</button>
</header>
<div id="delay-banner" data-testid="delay-banner" class="banner" role="alert" hidden>
  <strong>The activity feed is delayed:</strong> recent changes may not appear yet.
  <ul id="delay-reasons" data-testid="delay-reasons"></ul>
</div>
<main>
  <noscript><p class="error">This page needs JavaScript.</p></noscript>
  <form id="sign-in" data-testid="sign-in" class="card" hidden>
    <h2>Sign in</h2>
    <label>Email <input id="email" data-testid="email" name="email" type="email" autocomplete="username" required></label>
    <label>Password <input id="password" data-testid="password" name="password" type="password" autocomplete="current-password" required></label>
    <button id="sign-in-submit" data-testid="sign-in-submit" type="submit">Sign in</button>
    <p id="sign-in-error" data-testid="sign-in-error" class="error" role="alert"></p>
  </form>
  <section id="dashboard" data-testid="dashboard" hidden>
    <form id="filters" data-testid="filters" class="filters">
      <label>Lead <select id="filter-lead" data-testid="filter-lead" name="lead"><option value="">All leads</option></select></label>
      <label>Opportunity <select id="filter-opportunity" data-testid="filter-opportunity" name="opportunity"><option value="">All opportunities</option></select></label>
      <label>User <select id="filter-user" data-testid="filter-user" name="user"><option value="">All users</option></select></label>
      <label>Type <select id="filter-type" data-testid="filter-type" name="type"><option value="">All types</option>${typeOptions}</select></label>
      <button id="clear-filters" data-testid="clear-filters" type="button" hidden>All activity</button>
    </form>
    <h2 id="feed-title" data-testid="feed-title">Recent activity</h2>
    <p id="feed-error" data-testid="feed-error" class="error" role="alert" hidden></p>
    <ol id="feed" data-testid="feed" class="feed" aria-live="polite"></ol>
    <p id="feed-empty" data-testid="feed-empty" class="empty" hidden>No activity yet.</p>
    <button id="load-more" data-testid="load-more" type="button" hidden>Load more</button>
  </section>
</main>
</body>
</html>
`;

export const DASHBOARD_CSS = `
:root { --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --bg: #f5f7fa; --accent: #2f6fed;
  --call: #2f9e44; --email: #1c7ed6; --meeting: #ae3ec9; --note: #e8590c; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: var(--bg); }
.bar { display: flex; align-items: center; gap: 12px; padding: 10px 24px; background: #1f2933; color: #fff; }
.bar h1 { font-size: 18px; margin: 0; }
.bar .spacer { flex: 1; }
.bar button { background: transparent; color: #fff; border: 1px solid #9aa5b1; }
.live { font-size: 13px; color: #9aa5b1; }
.live.on { color: #69db7c; }
.banner { padding: 10px 24px; background: #fff3bf; border-bottom: 2px solid #f59f00; }
.banner ul { margin: 4px 0 0; padding-left: 20px; }
main { max-width: 920px; margin: 0 auto; padding: 20px 24px 48px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 20px 24px; max-width: 380px; margin: 40px auto; }
.card label { display: block; margin-bottom: 12px; }
.card input { display: block; width: 100%; margin-top: 4px; padding: 7px 9px; border: 1px solid #cbd2d9; border-radius: 4px; font: inherit; }
button { font: inherit; padding: 6px 14px; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button:disabled { opacity: .6; cursor: default; }
.filters { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 12px; margin-bottom: 8px; }
.filters label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); }
.filters select { margin-top: 3px; min-width: 160px; max-width: 220px; padding: 5px 6px; font: inherit; font-size: 14px; border: 1px solid #cbd2d9; border-radius: 4px; background: #fff; color: var(--ink); }
#clear-filters { background: #fff; color: var(--accent); }
h2 { font-size: 17px; margin: 18px 0 10px; }
.error { color: #c92a2a; min-height: 1em; }
.feed { list-style: none; margin: 0; padding: 0; }
.entry { display: flex; gap: 12px; padding: 10px 14px; margin-bottom: 8px; background: #fff; border: 1px solid var(--line); border-left: 4px solid var(--muted); border-radius: 6px; }
.entry.type-call { border-left-color: var(--call); }
.entry.type-email { border-left-color: var(--email); }
.entry.type-meeting { border-left-color: var(--meeting); }
.entry.type-note { border-left-color: var(--note); }
.entry.fresh { animation: fresh 2.5s ease-out; }
@keyframes fresh { from { background: #e7f5ff; } to { background: #fff; } }
.entry .icon { font-size: 20px; line-height: 1.3; width: 26px; text-align: center; }
.entry .body { flex: 1; min-width: 0; }
.entry .summary { margin: 0 0 2px; overflow-wrap: anywhere; }
.entry .meta { margin: 0; font-size: 13px; color: var(--muted); }
.entry .meta a { color: var(--accent); text-decoration: none; }
.entry .meta a:hover { text-decoration: underline; }
.entry .meta .backdated { color: var(--accent); font-weight: 600; }
.empty { color: var(--muted); }
#load-more { display: block; margin: 12px auto; background: #fff; color: var(--accent); }
`;

// Plain ES2022 for the browser, in a raw string (backslashes kept as written). No template
// literals inside: the only `${...}` are the constants filled in at the top.
export const DASHBOARD_JS = String.raw`(() => {
'use strict';

const TOKEN_KEY = 'crm-dashboard-token';
const STATUS_POLL_MS = ${STATUS_POLL_MS};
const PAGE_SIZE = ${PAGE_SIZE};
const TYPES = ${JSON.stringify(TYPE_LABELS)};
const RECORDS = { lead: 'leads', contact: 'contacts', opportunity: 'opportunities', user: 'users' };
const RECORD_LABELS = { lead: 'Lead', contact: 'Contact', opportunity: 'Opportunity' };
const FILTERS = ['lead', 'contact', 'opportunity', 'user', 'type'];

const $ = (id) => document.getElementById(id);

/** An element with attributes and children; strings become Text nodes, never markup. */
function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  filters: {},
  /** Bumped by every reload of the feed: answers for an older view are dropped. */
  view: 0,
  abort: null,
  next: null,
  shown: new Set(),
  names: new Map(),
  statusTimer: null,
};

class SignedOut extends Error {}

function messageOf(body, res) {
  const m = body && body.message;
  return Array.isArray(m) ? m.join('; ') : m || 'HTTP ' + res.status;
}

/** fetch with the bearer token; a 401 ends the session. */
async function call(path, init = {}) {
  const headers = Object.assign({ accept: 'application/json', authorization: 'Bearer ' + state.token }, init.headers);
  const res = await fetch(path, Object.assign({}, init, { headers, cache: 'no-store' }));
  if (res.status === 401) {
    signOut('Your session has ended: please sign in again.');
    throw new SignedOut();
  }
  return res;
}

async function getJson(path, signal) {
  const res = await call(path, { signal });
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new Error(messageOf(body, res));
  return body;
}

/** The path and query of an absolute 'next' link: the page's own origin serves it. */
function relative(url) {
  const u = new URL(url, location.href);
  return u.pathname + u.search;
}

const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

// ---- names ----------------------------------------------------------------

function nameKey(kind, id) { return kind + ':' + id; }

/** A record's or user's display name, fetched once and cached; null if it cannot be had. */
function nameOf(kind, id) {
  const key = nameKey(kind, id);
  if (!state.names.has(key)) {
    state.names.set(key, getJson('/api/' + RECORDS[kind] + '/' + encodeURIComponent(id) + '/')
      .then((r) => r.name || r.title || null)
      .catch(() => null));
  }
  return state.names.get(key);
}

function learnName(kind, id, name) {
  if (name) state.names.set(nameKey(kind, id), Promise.resolve(name));
}

/** A span showing a user's name: the id's short form until the name is known. */
function userTag(id, actor) {
  if (actor && actor.id === id && actor.name && !state.names.has(nameKey('user', id))) learnName('user', id, actor.name);
  const tag = h('span', { class: 'user', 'data-testid': 'entry-user' }, 'user ' + String(id).slice(0, 8));
  nameOf('user', id).then((name) => { if (name) tag.textContent = name; });
  return tag;
}

async function listAll(path, maxPages) {
  const items = [];
  for (let url = path, n = 0; url && n < maxPages; n += 1) {
    const page = await getJson(url);
    items.push(...page.results);
    url = page.next && relative(page.next);
  }
  return items;
}

function setOptions(select, items, label) {
  const keep = select.value;
  select.replaceChildren(select.options[0]);
  for (const item of items) select.append(h('option', { value: item.id }, label(item)));
  select.value = keep;
}

/** Makes sure a select can show the id (a record newer than the list, or from a link). */
function ensureOption(select, kind, id) {
  if (!id || Array.from(select.options).some((o) => o.value === id)) return;
  const option = h('option', { value: id }, RECORD_LABELS[kind] ? RECORD_LABELS[kind] + ' ' + id.slice(0, 8) : id.slice(0, 8));
  select.append(option);
  nameOf(kind, id).then((name) => { if (name) option.textContent = name; });
}

/** The choices of the filters, and the names they carry. Best effort: the feed works without them. */
async function loadChoices() {
  const load = async (kind, path, pages, select, label) => {
    try {
      const items = await listAll(path, pages);
      for (const item of items) learnName(kind, item.id, item.name);
      if (select) setOptions(select, items, label);
    } catch (e) {
      if (!(e instanceof SignedOut)) console.warn('could not load ' + kind + 's', e);
    }
  };
  await Promise.all([
    load('user', '/api/users/?limit=100', 10, $('filter-user'), (u) => u.name),
    load('lead', '/api/leads/?limit=100', 1, $('filter-lead'), (l) => (l.company ? l.name + ' (' + l.company + ')' : l.name)),
    load('opportunity', '/api/opportunities/?limit=100', 1, $('filter-opportunity'), (o) => o.name),
  ]);
  syncForm();
}

// ---- the feed -------------------------------------------------------------

function formatTime(date) {
  if (date.toDateString() === new Date().toDateString()) return date.toLocaleTimeString();
  return date.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

function recordLink(kind, id) {
  return h('a', { class: 'record', href: '?' + new URLSearchParams({ [kind]: id }), 'data-testid': 'link-' + kind, 'data-kind': kind, 'data-record': id },
    RECORD_LABELS[kind]);
}

/** A log whose time was set this long before it was recorded says so: a manual log may be backdated. */
const BACKDATED_AFTER_MS = 15 * 60 * 1000;
function backdated(log) {
  const recorded = log.recorded_at ? new Date(log.recorded_at) : null;
  if (!recorded || recorded - new Date(log.timestamp) < BACKDATED_AFTER_MS) return [];
  return [h('span', { class: 'backdated', 'data-testid': 'entry-backdated', title: 'recorded ' + recorded.toLocaleString() }, 'backdated'), ' · '];
}

function entry(log) {
  const type = TYPES[log.type] || { icon: '•', label: log.type };
  const links = [];
  for (const kind of ['lead', 'contact', 'opportunity']) if (log[kind]) links.push(' · ', recordLink(kind, log[kind]));
  const when = new Date(log.timestamp);
  return h('li', {
    class: 'entry type-' + log.type, 'data-testid': 'entry', 'data-id': log.id, 'data-key': log.timestamp + ' ' + log.id,
    'data-type': log.type, 'data-lead': log.lead, 'data-contact': log.contact, 'data-opportunity': log.opportunity, 'data-user': log.user,
  },
  h('span', { class: 'icon', title: type.label, 'aria-hidden': 'true' }, type.icon),
  h('div', { class: 'body' },
    h('p', { class: 'summary', 'data-testid': 'entry-summary' }, log.summary),
    h('p', { class: 'meta' },
      h('time', { datetime: log.timestamp, title: when.toLocaleString() }, formatTime(when)), ' · ',
      ...backdated(log),
      userTag(log.user, log.data && log.data.actor), ' · ',
      h('span', { class: 'type', 'data-testid': 'entry-type' }, type.label),
      ...links)));
}

/**
 * Puts a log in its place, newest first by (timestamp, id), once. A live log older
 * than everything shown is left for "load more" to bring, in order.
 */
function place(log, live) {
  if (state.shown.has(log.id)) return;
  const item = entry(log);
  const key = item.dataset.key;
  const feed = $('feed');
  const before = Array.from(feed.children).find((li) => li.dataset.key < key);
  if (before) before.before(item);
  else if (live && state.next) return;
  else feed.append(item);
  if (live) item.classList.add('fresh');
  state.shown.add(log.id);
  $('feed-empty').hidden = true;
}

function feedQuery(extra) {
  const q = new URLSearchParams(state.filters);
  // An opportunity's timeline is the original app's: its logs and its contact's.
  if (state.filters.opportunity) q.set('include_contact', 'true');
  for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
  return q.toString();
}

function showFeedError(text) {
  $('feed-error').hidden = !text;
  $('feed-error').textContent = text || '';
}

async function loadPage(path, view, signal) {
  const more = $('load-more');
  more.disabled = true;
  try {
    const page = await getJson(path, signal);
    if (view !== state.view) return;
    state.next = page.next ? relative(page.next) : null;
    for (const log of page.results) place(log, false);
  } catch (e) {
    if (view === state.view && !signal.aborted && !(e instanceof SignedOut)) showFeedError('Could not load the feed: ' + e.message);
  } finally {
    if (view === state.view) {
      $('feed').dataset.loaded = 'true';
      more.disabled = false;
      more.hidden = !state.next;
      $('feed-empty').hidden = state.shown.size > 0 || !$('feed-error').hidden;
    }
  }
}

/**
 * A text/event-stream parser: a field per line, an event per blank line, comments
 * ignored. Takes decoded chunks as they come; a line may span chunks.
 */
function sseParser(onEvent, onRetry) {
  let buffer = '';
  let data = [];
  let type = '';
  let id = null;
  let pendingCR = false;
  return (chunk) => {
    if (pendingCR && chunk[0] === '\n') chunk = chunk.slice(1);
    pendingCR = chunk.endsWith('\r');
    const lines = (buffer + chunk).split(/\r\n|\r|\n/);
    buffer = lines.pop();
    for (const line of lines) {
      if (line === '') {
        // An id-only block still moves the resume point (the stream opens with one).
        if (data.length) onEvent({ type: type || 'message', data: data.join('\n'), id });
        else if (id !== null) onEvent({ type: '', data: '', id });
        data = [];
        type = '';
        continue;
      }
      if (line[0] === ':') continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value[0] === ' ') value = value.slice(1);
      if (field === 'data') data.push(value);
      else if (field === 'event') type = value;
      else if (field === 'id' && !value.includes('\0')) id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) onRetry(Number(value));
    }
  };
}

function setLive(on) {
  const live = $('live');
  live.hidden = false;
  live.classList.toggle('on', on);
  live.textContent = on ? '● live' : '○ reconnecting…';
}

/**
 * Follows /stream/ with fetch (EventSource cannot send the bearer token), and
 * reconnects with Last-Event-ID so nothing is missed. Resolves once the first
 * connection has answered: from then on the stream's start is fixed.
 */
function follow(query, view, signal) {
  return new Promise((opened) => {
    (async () => {
      let lastId = null;
      let retry = 2000;
      let reconnecting = false;
      while (!signal.aborted && view === state.view) {
        try {
          const headers = { accept: 'text/event-stream' };
          if (lastId) headers['last-event-id'] = lastId;
          const res = await call('/api/interaction-logs/stream/?' + query, { headers, signal });
          if (!res.ok) {
            const message = messageOf(await res.json().catch(() => null), res);
            if (res.status < 500) { showFeedError('Live updates refused: ' + message); opened(); return; }
            throw new Error(message);
          }
          setLive(true);
          opened();
          // Without a Last-Event-ID (cut before any event came) the new stream starts
          // now: what was written meanwhile comes from the newest page instead.
          if (reconnecting && !lastId) refill(query, view, signal);
          const parse = sseParser((event) => {
            if (event.id) lastId = event.id;
            if (event.type === 'interaction-log' && view === state.view) place(JSON.parse(event.data), true);
          }, (ms) => { retry = ms; });
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            parse(value);
          }
        } catch (e) {
          if (e instanceof SignedOut) { opened(); return; }
        }
        opened();
        if (signal.aborted || view !== state.view) return;
        setLive(false);
        reconnecting = true;
        await sleep(retry, signal);
      }
    })();
  });
}

function refill(query, view, signal) {
  const q = new URLSearchParams(query);
  q.set('limit', String(PAGE_SIZE));
  getJson('/api/interaction-logs/?' + q, signal).then((page) => {
    if (view === state.view) for (const log of page.results) place(log, true);
  }, () => undefined);
}

async function renderTitle() {
  const f = state.filters;
  const kind = ['lead', 'contact', 'opportunity'].find((k) => f[k]);
  const title = $('feed-title');
  $('clear-filters').hidden = !FILTERS.some((k) => f[k]);
  if (!kind) { title.textContent = 'Recent activity'; return; }
  const suffix = kind === 'opportunity' ? ' (with its contact)' : '';
  title.textContent = 'Timeline of ' + kind + ' ' + f[kind].slice(0, 8) + suffix;
  const name = await nameOf(kind, f[kind]);
  if (name && state.filters[kind] === f[kind]) title.textContent = 'Timeline of ' + kind + ' ' + name + suffix;
}

/** Reloads the list and the stream for the current filters. */
async function load() {
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
  renderTitle();
  // The stream first: a log written while the first page loads then arrives by one,
  // the other or both (shown once), never by neither.
  await follow(feedQuery(), view, abort.signal);
  if (view === state.view) await loadPage('/api/interaction-logs/?' + feedQuery({ limit: PAGE_SIZE }), view, abort.signal);
}

// ---- filters and the URL --------------------------------------------------

function readUrl() {
  const q = new URLSearchParams(location.search);
  state.filters = {};
  for (const k of FILTERS) if (q.get(k)) state.filters[k] = q.get(k);
  syncForm();
}

function syncForm() {
  for (const k of ['lead', 'opportunity', 'user']) ensureOption($('filter-' + k), k, state.filters[k]);
  for (const k of ['lead', 'opportunity', 'user', 'type']) $('filter-' + k).value = state.filters[k] || '';
}

function navigate(filters) {
  const q = new URLSearchParams(filters).toString();
  history.pushState(null, '', location.pathname + (q ? '?' + q : ''));
  readUrl();
  load();
}

$('filters').addEventListener('change', () => {
  const filters = {};
  if (state.filters.contact) filters.contact = state.filters.contact;
  for (const k of ['lead', 'opportunity', 'user', 'type']) if ($('filter-' + k).value) filters[k] = $('filter-' + k).value;
  navigate(filters);
});
$('filters').addEventListener('submit', (e) => e.preventDefault());
$('clear-filters').addEventListener('click', () => navigate({}));
$('load-more').addEventListener('click', () => {
  if (state.next) loadPage(state.next, state.view, state.abort.signal);
});
$('feed').addEventListener('click', (e) => {
  const link = e.target.closest('a.record');
  if (!link || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate({ [link.dataset.kind]: link.dataset.record });
});
window.addEventListener('popstate', () => {
  if (!state.token) return;
  readUrl();
  load();
});

// ---- is the feed current? -------------------------------------------------

function showBanner(reasons) {
  $('delay-banner').hidden = !reasons;
  $('delay-reasons').replaceChildren(...(reasons || []).map((r) => h('li', null, r)));
}

async function pollStatus() {
  clearTimeout(state.statusTimer);
  if (!state.token) return;
  try {
    const status = await getJson('/api/interaction-logs/status/');
    showBanner(status.current ? null : status.reasons.length ? status.reasons : ['the server says so']);
  } catch (e) {
    if (e instanceof SignedOut) return;
    showBanner(['cannot ask crm-api whether the feed is current (' + e.message + ')']);
  }
  if (state.token) state.statusTimer = setTimeout(pollStatus, STATUS_POLL_MS);
}

// ---- the session ----------------------------------------------------------

async function start() {
  $('sign-in').hidden = true;
  $('dashboard').hidden = false;
  $('sign-out').hidden = false;
  pollStatus();
  getJson('/api/users/me/').then((me) => {
    learnName('user', me.id, me.name);
    $('whoami').textContent = me.name + ' · ' + me.email;
  }, () => undefined);
  readUrl();
  await loadChoices();
  if (state.token) load();
}

function signOut(message) {
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  state.view += 1;
  if (state.abort) state.abort.abort();
  clearTimeout(state.statusTimer);
  state.names.clear();
  showBanner(null);
  $('dashboard').hidden = true;
  $('sign-out').hidden = true;
  $('live').hidden = true;
  $('whoami').textContent = '';
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message || '';
}

$('sign-in').addEventListener('submit', async (e) => {
  e.preventDefault();
  const button = $('sign-in-submit');
  const error = $('sign-in-error');
  button.disabled = true;
  error.textContent = '';
  try {
    const res = await fetch('/api/auth/token/', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ email: $('email').value, password: $('password').value }),
    });
    const body = await res.json().catch(() => null);
    if (!res.ok || !body || typeof body.token !== 'string') {
      error.textContent = res.status === 401 ? 'Wrong email or password.' : messageOf(body, res);
      return;
    }
    state.token = body.token;
    sessionStorage.setItem(TOKEN_KEY, body.token);
    $('password').value = '';
    start();
  } catch (err) {
    error.textContent = 'Cannot reach the server: ' + err.message;
  } finally {
    button.disabled = false;
  }
});
$('sign-out').addEventListener('click', () => {
  // Ends the session on the server too: the token is refused from now on, on every replica.
  if (state.token) fetch('/api/auth/logout/', { method: 'POST', headers: { authorization: 'Bearer ' + state.token } }).catch(() => undefined);
  signOut('');
});

if (state.token) start();
else signOut('');
})();
`;
