// Names for ids (users, leads, contacts, opportunities), and the filters' choices.
import { getJson, relative, SignedOut } from './api.js';
import { RECORD_LABELS, RECORDS, type NamedKind, type RecordKind } from './constants.js';
import { $, h } from './dom.js';
import { syncForm } from './filters.js';
import { state } from './state.js';
import type { Id, Page } from './types.js';

interface Named {
  id: Id;
  name?: string;
  title?: string;
  company?: string | null;
}

function nameKey(kind: NamedKind, id: Id): string {
  return kind + ':' + id;
}

/** A record's or user's display name, fetched once and cached; null if it cannot be had. */
export function nameOf(kind: NamedKind, id: Id): Promise<string | null> {
  const key = nameKey(kind, id);
  if (!state.names.has(key)) {
    state.names.set(
      key,
      getJson<Named>('/api/' + RECORDS[kind] + '/' + encodeURIComponent(id) + '/')
        .then((r) => r.name || r.title || null)
        .catch(() => null),
    );
  }
  return state.names.get(key)!;
}

export function learnName(kind: NamedKind, id: Id, name: string | null | undefined): void {
  if (name) state.names.set(nameKey(kind, id), Promise.resolve(name));
}

/** A span showing a user's name: the id's short form until the name is known. */
export function userTag(id: Id, actor: { id?: Id; name?: string } | null | undefined): HTMLElement {
  if (actor && actor.id === id && actor.name && !state.names.has(nameKey('user', id))) learnName('user', id, actor.name);
  const tag = h('span', { class: 'user', 'data-testid': 'entry-user' }, 'user ' + String(id).slice(0, 8));
  void nameOf('user', id).then((name) => {
    if (name) tag.textContent = name;
  });
  return tag;
}

async function listAll(path: string, maxPages: number): Promise<Named[]> {
  const items: Named[] = [];
  for (let url: string | null = path, n = 0; url && n < maxPages; n += 1) {
    const page: Page<Named> = await getJson<Page<Named>>(url);
    items.push(...page.results);
    url = page.next && relative(page.next);
  }
  return items;
}

function setOptions(select: HTMLSelectElement, items: Named[], label: (item: Named) => string | undefined): void {
  const keep = select.value;
  select.replaceChildren(select.options[0]);
  for (const item of items) select.append(h('option', { value: item.id }, label(item)));
  select.value = keep;
}

/** Makes sure a select can show the id (a record newer than the list, or from a link). */
export function ensureOption(select: HTMLSelectElement, kind: NamedKind, id: Id | undefined): void {
  if (!id || Array.from(select.options).some((o) => o.value === id)) return;
  const label = kind in RECORD_LABELS ? RECORD_LABELS[kind as RecordKind] : '';
  const option = h('option', { value: id }, label ? label + ' ' + id.slice(0, 8) : id.slice(0, 8));
  select.append(option);
  void nameOf(kind, id).then((name) => {
    if (name) option.textContent = name;
  });
}

/** The choices of the filters, and the names they carry. Best effort: the feed works without them. */
export async function loadChoices(): Promise<void> {
  const load = async (kind: NamedKind, path: string, pages: number, select: HTMLSelectElement, label: (item: Named) => string | undefined) => {
    try {
      const items = await listAll(path, pages);
      for (const item of items) learnName(kind, item.id, item.name);
      if (select) setOptions(select, items, label);
    } catch (e) {
      if (!(e instanceof SignedOut)) console.warn('could not load ' + kind + 's', e);
    }
  };
  await Promise.all([
    load('user', '/api/users/?limit=100', 10, $<HTMLSelectElement>('filter-user'), (u) => u.name),
    load('lead', '/api/leads/?limit=100', 1, $<HTMLSelectElement>('filter-lead'), (l) => (l.company ? l.name + ' (' + l.company + ')' : l.name)),
    load('opportunity', '/api/opportunities/?limit=100', 1, $<HTMLSelectElement>('filter-opportunity'), (o) => o.name),
  ]);
  syncForm();
}
