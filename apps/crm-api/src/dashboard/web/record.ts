// The card above a record's timeline: its name, company, status or stage, and who has it.
import { getJson, SignedOut } from './api.js';
import { OWNER_FIELDS, RECORD_LABELS, RECORDS, ROLLUP_LABELS, STATUS_FIELDS } from './constants.js';
import { $ } from './dom.js';
import { timelineRecord } from './feed.js';
import { learnName, nameOf } from './names.js';
import { state } from './state.js';
import type { RecordBody, RecordRef } from './types.js';

function setFact(id: string, text: string | null | undefined): void {
  $(id).textContent = text || '—';
}

/** The card above a record's timeline; hidden on any other view. */
export async function renderRecord(view: number): Promise<void> {
  const root = timelineRecord(state.filters);
  state.record = root;
  $('record').hidden = !root;
  $('log-error').textContent = '';
  $('log-status').textContent = '';
  if (!root) return;
  const status = STATUS_FIELDS[root.kind];
  $('record').dataset.kind = root.kind;
  $('record-kind').textContent = RECORD_LABELS[root.kind];
  $('record-name').textContent = root.kind + ' ' + root.id.slice(0, 8);
  $('rollup-label').textContent = ROLLUP_LABELS[root.kind];
  $('record-status-row').hidden = !status;
  if (status) $('record-status-label').textContent = status[0];
  $('record-owner-label').textContent = OWNER_FIELDS[root.kind][0];
  for (const id of ['record-company', 'record-status', 'record-owner']) setFact(id, '');
  await fillRecord(root, view);
}

async function fillRecord(root: RecordRef, view: number): Promise<void> {
  const current = () => view === state.view && state.record === root;
  $('record-error').hidden = true;
  let body: RecordBody;
  try {
    body = await getJson<RecordBody>('/api/' + RECORDS[root.kind] + '/' + encodeURIComponent(root.id) + '/');
  } catch (e) {
    if (current() && !(e instanceof SignedOut)) {
      $('record-error').hidden = false;
      $('record-error').textContent = 'Could not load the ' + root.kind + ': ' + (e as Error).message;
    }
    return;
  }
  if (!current()) return;
  learnName(root.kind, root.id, body.name);
  $('record-name').textContent = body.name;
  const status = STATUS_FIELDS[root.kind];
  if (status) setFact('record-status', body[status[1]]);
  const owner = body[OWNER_FIELDS[root.kind][1]];
  setFact('record-owner', owner ? 'user ' + owner.slice(0, 8) : root.kind === 'lead' ? 'nobody' : '');
  if (owner)
    void nameOf('user', owner).then((name) => {
      if (name && current()) setFact('record-owner', name);
    });
  // An opportunity has no company of its own: its contact's is the customer's.
  if (root.kind !== 'opportunity') setFact('record-company', body.company);
  else if (body.contact)
    getJson<RecordBody>('/api/contacts/' + encodeURIComponent(body.contact) + '/').then(
      (c) => {
        if (current()) setFact('record-company', c.company);
      },
      () => undefined,
    );
}

let refreshTimer: number | undefined;
/** A change to the record came on the stream (status, stage, owner): its header follows, once per burst. */
export function refreshRecord(): void {
  clearTimeout(refreshTimer);
  const root = state.record;
  const view = state.view;
  refreshTimer = setTimeout(() => {
    if (root && state.record === root) void fillRecord(root, view);
  }, 300);
}
