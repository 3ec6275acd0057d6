// One log as an entry of the feed: an <li> built from text nodes and attributes only.
import { RECORD_KINDS, RECORD_LABELS, TYPES, type RecordKind } from './constants.js';
import { h } from './dom.js';
import { nameOf, userTag } from './names.js';
import type { Id, Log } from './types.js';

function formatTime(date: Date): string {
  if (date.toDateString() === new Date().toDateString()) return date.toLocaleTimeString();
  return date.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

function recordLink(kind: RecordKind, id: Id): HTMLElement {
  return h(
    'a',
    { class: 'record', href: '?' + new URLSearchParams({ [kind]: id }).toString(), 'data-testid': 'link-' + kind, 'data-kind': kind, 'data-record': id },
    RECORD_LABELS[kind],
  );
}

/** A log whose time was set this long before it was recorded says so: a manual log may be backdated. */
const BACKDATED_AFTER_MS = 15 * 60 * 1000;
function backdated(log: Log): (HTMLElement | string)[] {
  const recorded = log.recorded_at ? new Date(log.recorded_at) : null;
  if (!recorded || recorded.getTime() - new Date(log.timestamp).getTime() < BACKDATED_AFTER_MS) return [];
  return [h('span', { class: 'backdated', 'data-testid': 'entry-backdated', title: 'recorded ' + recorded.toLocaleString() }, 'backdated'), ' · '];
}

const capitalised = (word: string): string => String(word).charAt(0).toUpperCase() + String(word).slice(1);

/** On a rolled-up timeline: the related record an entry came through. */
function via(log: Log): (HTMLElement | string)[] {
  if (!log.via) return [];
  return [' · ', h('span', { class: 'via', 'data-testid': 'entry-via' }, 'via ' + capitalised(log.via.type) + ' ' + (log.via.name || String(log.via.id).slice(0, 8)))];
}

/** A log the API accepted (202) but the logger has not written yet, or one edited since. */
function marks(log: Log): (HTMLElement | string)[] {
  const out: (HTMLElement | string)[] = [];
  if (log.status === 'pending') out.push(h('span', { class: 'pending-tag', 'data-testid': 'entry-pending', title: 'accepted; not in the feed yet' }, 'saving…'), ' · ');
  if (log.edited_at) {
    const tag = h('span', { class: 'edited', 'data-testid': 'entry-edited', title: 'edited ' + new Date(log.edited_at).toLocaleString() }, 'edited');
    const by = log.edited_by; // { id, name }
    if (by && by.name) tag.title += ' by ' + by.name;
    else if (by && by.id)
      void nameOf('user', by.id).then((name) => {
        if (name) tag.title += ' by ' + name;
      });
    out.push(tag, ' · ');
  }
  return out;
}

/** The entry of a log; data-key orders the feed: timestamp, then id. */
export function entry(log: Log): HTMLElement {
  const type = TYPES[log.type] || { icon: '•', label: log.type };
  const links: (HTMLElement | string)[] = [];
  for (const kind of RECORD_KINDS) {
    const id = log[kind];
    if (id) links.push(' · ', recordLink(kind, id));
  }
  const when = new Date(log.timestamp);
  return h(
    'li',
    {
      class: 'entry type-' + log.type + (log.status === 'pending' ? ' pending' : ''),
      'data-testid': 'entry',
      'data-id': log.id,
      'data-key': log.timestamp + ' ' + log.id,
      'data-type': log.type,
      'data-kind': log.kind,
      'data-lead': log.lead,
      'data-contact': log.contact,
      'data-opportunity': log.opportunity,
      'data-user': log.user,
      'data-edited': log.edited_at || '',
    },
    h('span', { class: 'icon', title: type.label, 'aria-hidden': 'true' }, type.icon),
    h(
      'div',
      { class: 'body' },
      h('p', { class: 'summary', 'data-testid': 'entry-summary' }, log.summary),
      h(
        'p',
        { class: 'meta' },
        h('time', { datetime: log.timestamp, title: when.toLocaleString() }, formatTime(when)),
        ' · ',
        ...backdated(log),
        ...marks(log),
        userTag(log.user, log.data && log.data.actor),
        ' · ',
        h('span', { class: 'type', 'data-testid': 'entry-type' }, type.label),
        ...via(log),
        ...links,
      ),
    ),
  );
}
