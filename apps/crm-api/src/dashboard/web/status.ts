// Is the feed current? The banner says when it is not, or when nobody can tell.
import { getJson, SignedOut } from './api.js';
import { STATUS_POLL_MS } from './constants.js';
import { $, h } from './dom.js';
import { state } from './state.js';
import type { FeedStatus } from './types.js';

export function showBanner(reasons: string[] | null): void {
  $('delay-banner').hidden = !reasons;
  $('delay-reasons').replaceChildren(...(reasons || []).map((r) => h('li', null, r)));
}

export async function pollStatus(): Promise<void> {
  clearTimeout(state.statusTimer);
  if (!state.token) return;
  try {
    const status = await getJson<FeedStatus>('/api/interaction-logs/status/');
    showBanner(status.current ? null : status.reasons.length ? status.reasons : ['the server says so']);
  } catch (e) {
    if (e instanceof SignedOut) return;
    showBanner(['cannot ask crm-api whether the feed is current (' + (e as Error).message + ')']);
  }
  if (state.token) state.statusTimer = setTimeout(pollStatus, STATUS_POLL_MS);
}
