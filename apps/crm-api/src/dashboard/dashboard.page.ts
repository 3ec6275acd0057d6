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
    <section id="record" data-testid="record" class="record-card" aria-labelledby="record-name" hidden>
      <header class="record-head">
        <span id="record-kind" data-testid="record-kind" class="record-kind"></span>
        <h3 id="record-name" data-testid="record-name"></h3>
        <button id="download-csv" data-testid="download-csv" type="button" class="secondary" title="This timeline, as shown (lane and rollup), as a CSV file">Download CSV</button>
        <dl class="record-facts">
          <div><dt>Company</dt><dd id="record-company" data-testid="record-company">—</dd></div>
          <div id="record-status-row"><dt id="record-status-label">Status</dt><dd id="record-status" data-testid="record-status" class="badge">—</dd></div>
          <div><dt id="record-owner-label">Owner</dt><dd id="record-owner" data-testid="record-owner">—</dd></div>
        </dl>
        <p id="record-error" data-testid="record-error" class="error" role="alert" hidden></p>
      </header>
      <form id="log-form" data-testid="log-form" class="log-form" novalidate>
        <fieldset>
          <legend>Log an activity</legend>
          <div class="log-row">
            <label>Type <select id="log-type" data-testid="log-type" name="type">${typeOptions}</select></label>
            <label>When <input id="log-when" data-testid="log-when" name="timestamp" type="datetime-local" step="60" aria-describedby="log-when-hint"></label>
            <span id="log-when-hint" class="hint">empty: now</span>
          </div>
          <label class="log-summary">Summary <textarea id="log-summary" data-testid="log-summary" name="summary" rows="2" maxlength="10000" aria-describedby="log-error"></textarea></label>
          <div class="log-row">
            <button id="log-submit" data-testid="log-submit" type="submit">Log it</button>
            <span id="log-status" data-testid="log-status" class="hint" role="status"></span>
          </div>
          <p id="log-error" data-testid="log-error" class="error" role="alert"></p>
        </fieldset>
      </form>
      <div class="timeline-tools">
        <fieldset id="lane" data-testid="lane" class="lane">
          <legend>Show</legend>
          <label><input type="radio" name="lane" value="" data-testid="lane-all" checked> Everything</label>
          <label><input type="radio" name="lane" value="interaction" data-testid="lane-interaction"> Interactions</label>
          <label><input type="radio" name="lane" value="change" data-testid="lane-change"> Changes</label>
        </fieldset>
        <label class="switch"><input id="rollup" data-testid="rollup" type="checkbox" role="switch"> <span id="rollup-label">With related records</span></label>
      </div>
    </section>
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
button.secondary { background: #fff; color: var(--accent); }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.record-card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; margin-bottom: 14px; }
.record-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 14px; }
.record-kind { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
.record-head h3 { margin: 0; font-size: 20px; flex: 1 1 auto; }
.record-facts { display: flex; flex-wrap: wrap; gap: 4px 22px; margin: 6px 0 0; width: 100%; }
.record-facts div { display: flex; gap: 6px; align-items: baseline; }
.record-facts dt { font-size: 13px; color: var(--muted); }
.record-facts dd { margin: 0; }
.badge { padding: 0 8px; border-radius: 10px; background: #e7f5ff; color: #1864ab; font-size: 13px; }
.log-form fieldset, .lane { border: 0; margin: 0; padding: 0; }
.log-form { margin: 12px 0 6px; padding-top: 10px; border-top: 1px solid var(--line); }
.log-form legend { font-weight: 600; margin-bottom: 6px; }
.log-row { display: flex; flex-wrap: wrap; align-items: flex-end; gap: 10px; }
.log-form label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); }
.log-form select, .log-form input, .log-form textarea { margin-top: 3px; padding: 5px 7px; font: inherit; font-size: 14px; color: var(--ink); border: 1px solid #cbd2d9; border-radius: 4px; background: #fff; }
.log-form .log-summary { margin: 8px 0; width: 100%; }
.log-form textarea { width: 100%; resize: vertical; }
.hint { font-size: 13px; color: var(--muted); }
.log-form .error:empty { display: none; }
.timeline-tools { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 18px; padding-top: 10px; border-top: 1px solid var(--line); font-size: 14px; }
.lane { display: flex; gap: 12px; align-items: center; min-width: 0; }
.lane legend { float: left; margin-right: 4px; color: var(--muted); }
.lane label, .switch { display: inline-flex; gap: 4px; align-items: center; cursor: pointer; }
.entry.pending { border-style: dashed; opacity: .8; }
.entry .meta .pending-tag, .entry .meta .edited { font-style: italic; }
.entry .meta .via { color: var(--ink); }
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
const RECORD_KINDS = ['lead', 'contact', 'opportunity'];
/** In the query string; kind (the lane) and rollup are the timeline's switches. */
const FILTERS = ['lead', 'contact', 'opportunity', 'user', 'type', 'kind', 'rollup'];
const LANES = ['interaction', 'change'];
const ROLLUP_LABELS = {
  lead: 'With the contact and opportunity it became',
  contact: 'With its opportunities, quotes and tasks',
  opportunity: 'With its contact, quotes and tasks',
};

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
  /** id → its entry on the page: one entry per log, replaced in place when it comes again. */
  shown: new Map(),
  /** The timeline's record, once fetched: { kind, id, body }. */
  record: null,
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

const capitalised = (word) => String(word).charAt(0).toUpperCase() + String(word).slice(1);

/** On a rolled-up timeline: the related record an entry came through. */
function via(log) {
  if (!log.via) return [];
  return [' · ', h('span', { class: 'via', 'data-testid': 'entry-via' }, 'via ' + capitalised(log.via.type) + ' ' + (log.via.name || String(log.via.id).slice(0, 8)))];
}

/** A log the API accepted (202) but the logger has not written yet, or one edited since. */
function marks(log) {
  const out = [];
  if (log.status === 'pending') out.push(h('span', { class: 'pending-tag', 'data-testid': 'entry-pending', title: 'accepted; not in the feed yet' }, 'saving…'), ' · ');
  if (log.edited_at) {
    const tag = h('span', { class: 'edited', 'data-testid': 'entry-edited', title: 'edited ' + new Date(log.edited_at).toLocaleString() }, 'edited');
    const by = log.edited_by; // { id, name }
    if (by && by.name) tag.title += ' by ' + by.name;
    else if (by && by.id) nameOf('user', by.id).then((name) => { if (name) tag.title += ' by ' + name; });
    out.push(tag, ' · ');
  }
  return out;
}

function entry(log) {
  const type = TYPES[log.type] || { icon: '•', label: log.type };
  const links = [];
  for (const kind of RECORD_KINDS) if (log[kind]) links.push(' · ', recordLink(kind, log[kind]));
  const when = new Date(log.timestamp);
  return h('li', {
    class: 'entry type-' + log.type + (log.status === 'pending' ? ' pending' : ''), 'data-testid': 'entry', 'data-id': log.id, 'data-key': log.timestamp + ' ' + log.id,
    'data-type': log.type, 'data-kind': log.kind, 'data-lead': log.lead, 'data-contact': log.contact, 'data-opportunity': log.opportunity, 'data-user': log.user,
    'data-edited': log.edited_at || '',
  },
  h('span', { class: 'icon', title: type.label, 'aria-hidden': 'true' }, type.icon),
  h('div', { class: 'body' },
    h('p', { class: 'summary', 'data-testid': 'entry-summary' }, log.summary),
    h('p', { class: 'meta' },
      h('time', { datetime: log.timestamp, title: when.toLocaleString() }, formatTime(when)), ' · ',
      ...backdated(log),
      ...marks(log),
      userTag(log.user, log.data && log.data.actor), ' · ',
      h('span', { class: 'type', 'data-testid': 'entry-type' }, type.label),
      ...via(log),
      ...links)));
}

/**
 * Puts a log in its place, newest first by (timestamp, id), once. A live log older
 * than everything shown is left for "load more" to bring, in order.
 */
function place(log, live) {
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
  const key = item.dataset.key;
  const feed = $('feed');
  const before = Array.from(feed.children).find((li) => li.dataset.key < key);
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
function unplace(id) {
  const item = state.shown.get(id);
  if (!item) return;
  item.remove();
  state.shown.delete(id);
  $('feed-empty').hidden = state.shown.size > 0;
}

/** The one record whose timeline this is, or null (no record filter, or several). */
function timelineRecord(filters) {
  const kinds = RECORD_KINDS.filter((k) => filters[k]);
  return kinds.length === 1 ? { kind: kinds[0], id: filters[kinds[0]] } : null;
}

function feedQuery(extra) {
  const q = new URLSearchParams(state.filters);
  const rollup = state.filters.rollup === 'true' && timelineRecord(state.filters);
  if (!rollup) q.delete('rollup');
  // An opportunity's timeline is the original app's: its logs and its contact's (a
  // rolled-up one has its contact already).
  if (state.filters.opportunity && !rollup) q.set('include_contact', 'true');
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
            if (view !== state.view) return;
            if (event.type === 'interaction-log') place(JSON.parse(event.data), true);
            else if (event.type === 'interaction-log-deleted') unplace(JSON.parse(event.data).id);
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
  const kind = RECORD_KINDS.find((k) => f[k]);
  const title = $('feed-title');
  $('clear-filters').hidden = !FILTERS.some((k) => f[k]);
  if (!kind) { title.textContent = 'Recent activity'; return; }
  const rolled = f.rollup === 'true' && timelineRecord(f);
  const suffix = rolled ? ' (with related records)' : kind === 'opportunity' ? ' (with its contact)' : '';
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
  renderRecord(view);
  // The stream first: a log written while the first page loads then arrives by one,
  // the other or both (shown once), never by neither.
  await follow(feedQuery(), view, abort.signal);
  if (view === state.view) await loadPage('/api/interaction-logs/?' + feedQuery({ limit: PAGE_SIZE }), view, abort.signal);
}

// ---- the record's timeline: its header, the log form, the CSV --------------

const STATUS_FIELDS = { lead: ['Status', 'status'], opportunity: ['Stage', 'stage'] };
/** Who a record is with: a lead's assignee, an opportunity's owner, a contact's creator (contacts have no owner). */
const OWNER_FIELDS = { lead: ['Assigned to', 'assigned_to'], opportunity: ['Owner', 'owner'], contact: ['Created by', 'created_by'] };

function setFact(id, text) { $(id).textContent = text || '—'; }

/** The card above a record's timeline; hidden on any other view. */
async function renderRecord(view) {
  const root = timelineRecord(state.filters);
  state.record = root;
  $('record').hidden = !root;
  $('log-error').textContent = '';
  $('log-status').textContent = '';
  if (!root) return;
  $('record').dataset.kind = root.kind;
  $('record-kind').textContent = RECORD_LABELS[root.kind];
  $('record-name').textContent = root.kind + ' ' + root.id.slice(0, 8);
  $('rollup-label').textContent = ROLLUP_LABELS[root.kind];
  $('record-status-row').hidden = !STATUS_FIELDS[root.kind];
  if (STATUS_FIELDS[root.kind]) $('record-status-label').textContent = STATUS_FIELDS[root.kind][0];
  $('record-owner-label').textContent = OWNER_FIELDS[root.kind][0];
  for (const id of ['record-company', 'record-status', 'record-owner']) setFact(id, '');
  await fillRecord(root, view);
}

async function fillRecord(root, view) {
  const current = () => view === state.view && state.record === root;
  $('record-error').hidden = true;
  let body;
  try {
    body = await getJson('/api/' + RECORDS[root.kind] + '/' + encodeURIComponent(root.id) + '/');
  } catch (e) {
    if (current() && !(e instanceof SignedOut)) {
      $('record-error').hidden = false;
      $('record-error').textContent = 'Could not load the ' + root.kind + ': ' + e.message;
    }
    return;
  }
  if (!current()) return;
  learnName(root.kind, root.id, body.name);
  $('record-name').textContent = body.name;
  if (STATUS_FIELDS[root.kind]) setFact('record-status', body[STATUS_FIELDS[root.kind][1]]);
  const owner = body[OWNER_FIELDS[root.kind][1]];
  setFact('record-owner', owner ? 'user ' + owner.slice(0, 8) : root.kind === 'lead' ? 'nobody' : '');
  if (owner) nameOf('user', owner).then((name) => { if (name && current()) setFact('record-owner', name); });
  // An opportunity has no company of its own: its contact's is the customer's.
  if (root.kind !== 'opportunity') setFact('record-company', body.company);
  else if (body.contact) getJson('/api/contacts/' + encodeURIComponent(body.contact) + '/')
    .then((c) => { if (current()) setFact('record-company', c.company); }, () => undefined);
}

let refreshTimer = null;
/** A change to the record came on the stream (status, stage, owner): its header follows, once per burst. */
function refreshRecord() {
  clearTimeout(refreshTimer);
  const root = state.record;
  const view = state.view;
  refreshTimer = setTimeout(() => { if (root && state.record === root) fillRecord(root, view); }, 300);
}

/** A random UUID; crypto.randomUUID exists only in secure contexts, getRandomValues everywhere. */
function uuid() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' + hex.slice(16, 20) + '-' + hex.slice(20);
}

/**
 * The Idempotency-Key of a log being sent. A submit whose answer never came (the line
 * dropped, a 5xx, the key's own 409) keeps it: sending the same log again then cannot log
 * it twice. Any other answer, or a different log, takes a new key.
 */
let unanswered = null;
function idempotencyKey(target, body) {
  const text = target + ' ' + JSON.stringify(body);
  if (!unanswered || unanswered.text !== text) unanswered = { text, key: uuid() };
  return unanswered.key;
}

/** Would this view list the log? The page shows a just-logged one at once only where it belongs. */
function belongs(log) {
  const f = state.filters;
  return (!f.type || f.type === log.type) && (!f.user || f.user === log.user) && f.kind !== 'change';
}

$('log-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const root = state.record;
  if (!root) return;
  const view = state.view;
  const button = $('log-submit');
  const error = $('log-error');
  const status = $('log-status');
  error.textContent = '';
  status.textContent = '';
  const body = { type: $('log-type').value, summary: $('log-summary').value };
  const when = $('log-when').value;
  if (when) {
    const time = new Date(when); // datetime-local: the user's own time zone
    if (Number.isNaN(time.getTime())) { error.textContent = 'When: not a date and time'; $('log-when').focus(); return; }
    body.timestamp = time.toISOString();
  }
  button.disabled = true;
  const target = '/api/' + RECORDS[root.kind] + '/' + encodeURIComponent(root.id) + '/log_interaction/';
  try {
    const res = await call(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey(target, body) },
      body: JSON.stringify(body),
    });
    const answer = await res.json().catch(() => null);
    if (!(res.status >= 500 || (res.status === 409 && res.headers.has('retry-after')))) unanswered = null;
    if (!res.ok) {
      error.textContent = messageOf(answer, res) + (unanswered ? ' (not saved yet: "Log it" again sends it once)' : '');
      $('log-summary').focus();
      return;
    }
    $('log-summary').value = '';
    $('log-when').value = '';
    $('log-summary').focus();
    // The 202's pending view, at once; the written log replaces it when the stream brings it.
    if (view === state.view && answer && answer.id) {
      answer.kind = answer.kind || 'interaction';
      if (!belongs(answer)) status.textContent = 'Logged; this view does not list it.';
      else {
        place(answer, true);
        status.textContent = state.shown.has(answer.id) ? 'Logged.' : 'Logged; older than the entries shown: "Load more" brings it.';
      }
    }
  } catch (err) {
    if (!(err instanceof SignedOut)) error.textContent = 'Cannot reach the server: ' + err.message + ' ("Log it" again sends it once)';
  } finally {
    button.disabled = false;
  }
});

/** A timeline's file is named after its record and the day; any other view's, as the server names it. */
function downloadName(res) {
  const root = state.record;
  if (root) {
    const name = ($('record-name').textContent || root.id).normalize('NFKD').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase();
    return 'timeline-' + (name || root.kind) + '-' + new Date().toISOString().slice(0, 10) + '.csv';
  }
  const match = /filename="?([^";]+)"?/i.exec(res.headers.get('content-disposition') || '');
  return match ? match[1] : 'activity.csv';
}

/**
 * The timeline as CSV, from the export with this view's filters. A link could not
 * send the bearer token: the page fetches the file and saves it from a Blob.
 */
$('download-csv').addEventListener('click', async () => {
  const button = $('download-csv');
  const error = $('log-error');
  const status = $('log-status');
  button.disabled = true;
  error.textContent = '';
  status.textContent = 'Preparing the CSV…';
  try {
    const res = await call('/api/interaction-logs/export/?' + feedQuery({ format: 'csv' }), { headers: { accept: 'text/csv' } });
    if (!res.ok) {
      status.textContent = '';
      error.textContent = 'Could not download the CSV: ' + messageOf(await res.json().catch(() => null), res);
      return;
    }
    const url = URL.createObjectURL(await res.blob());
    const link = h('a', { href: url, download: downloadName(res), hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    status.textContent = 'CSV downloaded.';
  } catch (err) {
    status.textContent = '';
    if (!(err instanceof SignedOut)) error.textContent = 'Could not download the CSV: ' + err.message;
  } finally {
    button.disabled = false;
  }
});

// ---- filters and the URL --------------------------------------------------

function readUrl() {
  const q = new URLSearchParams(location.search);
  state.filters = {};
  for (const k of FILTERS) if (q.get(k)) state.filters[k] = q.get(k);
  // Switches only in their known states: a hand-edited URL cannot make the API refuse the view.
  if (!LANES.includes(state.filters.kind)) delete state.filters.kind;
  if (state.filters.rollup !== 'true') delete state.filters.rollup;
  syncForm();
}

function syncForm() {
  for (const k of ['lead', 'opportunity', 'user']) ensureOption($('filter-' + k), k, state.filters[k]);
  for (const k of ['lead', 'opportunity', 'user', 'type']) $('filter-' + k).value = state.filters[k] || '';
  for (const radio of $('lane').querySelectorAll('input[name=lane]')) radio.checked = radio.value === (state.filters.kind || '');
  $('rollup').checked = state.filters.rollup === 'true';
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
  // The lane stays; the rollup only while the view is still one record's timeline.
  if (state.filters.kind) filters.kind = state.filters.kind;
  if (state.filters.rollup && timelineRecord(filters)) filters.rollup = state.filters.rollup;
  navigate(filters);
});
/** The timeline's switches: a new view, in the URL so that a reload or a link keeps it. */
function switchTo(changes) {
  const filters = Object.assign({}, state.filters, changes);
  for (const k of Object.keys(filters)) if (!filters[k]) delete filters[k];
  navigate(filters);
}
$('lane').addEventListener('change', (e) => switchTo({ kind: e.target.value }));
$('rollup').addEventListener('change', (e) => switchTo({ rollup: e.target.checked ? 'true' : '' }));
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
