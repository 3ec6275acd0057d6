// "Log an activity" on a record's timeline: POST log_interaction, shown at once as pending.
import { call, messageOf, SignedOut } from './api.js';
import { RECORDS } from './constants.js';
import { $ } from './dom.js';
import { place } from './feed.js';
import { state } from './state.js';
import type { Log } from './types.js';

/** A random UUID; crypto.randomUUID exists only in secure contexts, getRandomValues everywhere. */
function uuid(): string {
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
let unanswered: { text: string; key: string } | null = null;
function idempotencyKey(target: string, body: object): string {
  const text = target + ' ' + JSON.stringify(body);
  if (!unanswered || unanswered.text !== text) unanswered = { text, key: uuid() };
  return unanswered.key;
}

/** Would this view list the log? The page shows a just-logged one at once only where it belongs. */
function belongs(log: Log): boolean {
  const f = state.filters;
  return (!f.type || f.type === log.type) && (!f.user || f.user === log.user) && f.kind !== 'change';
}

/** The log form's submit. */
export async function submitLog(e: SubmitEvent): Promise<void> {
  e.preventDefault();
  const root = state.record;
  if (!root) return;
  const view = state.view;
  const button = $<HTMLButtonElement>('log-submit');
  const error = $('log-error');
  const status = $('log-status');
  const summary = $<HTMLTextAreaElement>('log-summary');
  const whenInput = $<HTMLInputElement>('log-when');
  error.textContent = '';
  status.textContent = '';
  const body: { type: string; summary: string; timestamp?: string } = { type: $<HTMLSelectElement>('log-type').value, summary: summary.value };
  const when = whenInput.value;
  if (when) {
    const time = new Date(when); // datetime-local: the user's own time zone
    if (Number.isNaN(time.getTime())) {
      error.textContent = 'When: not a date and time';
      whenInput.focus();
      return;
    }
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
    const answer = (await res.json().catch(() => null)) as (Log & { message?: string | string[] }) | null;
    if (!(res.status >= 500 || (res.status === 409 && res.headers.has('retry-after')))) unanswered = null;
    if (!res.ok) {
      error.textContent = messageOf(answer, res) + (unanswered ? ' (not saved yet: "Log it" again sends it once)' : '');
      summary.focus();
      return;
    }
    summary.value = '';
    whenInput.value = '';
    summary.focus();
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
    if (!(err instanceof SignedOut)) error.textContent = 'Cannot reach the server: ' + (err as Error).message + ' ("Log it" again sends it once)';
  } finally {
    button.disabled = false;
  }
}
