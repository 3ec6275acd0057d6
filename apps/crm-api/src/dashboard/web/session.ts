// Signing in and out: the token lives in sessionStorage, as long as the tab.
import { type ErrorBody, getJson, jsonOrNull, messageOf } from './api.js';
import { TOKEN_KEY } from './constants.js';
import { $ } from './dom.js';
import { load } from './feed.js';
import { readUrl } from './filters.js';
import { learnName, loadChoices } from './names.js';
import { state } from './state.js';
import { pollStatus, showBanner } from './status.js';

/** Signed in: the dashboard, the status poll, the names, then the view in the URL. */
export async function start(): Promise<void> {
  $('sign-in').hidden = true;
  $('dashboard').hidden = false;
  $('sign-out').hidden = false;
  void pollStatus();
  getJson<{ id: string; name: string; email: string }>('/api/users/me/').then(
    (me) => {
      learnName('user', me.id, me.name);
      $('whoami').textContent = me.name + ' · ' + me.email;
    },
    () => undefined,
  );
  readUrl();
  await loadChoices();
  if (state.token) void load();
}

/** Back to the sign-in form, with a message saying why (or none). */
export function signOut(message: string): void {
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

/** The sign-in form's submit: POST /api/auth/token/ (no token yet, so not call()). */
export async function signIn(e: SubmitEvent): Promise<void> {
  e.preventDefault();
  const button = $<HTMLButtonElement>('sign-in-submit');
  const error = $('sign-in-error');
  button.disabled = true;
  error.textContent = '';
  try {
    const res = await fetch('/api/auth/token/', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ email: $<HTMLInputElement>('email').value, password: $<HTMLInputElement>('password').value }),
    });
    const body = await jsonOrNull<ErrorBody & { token?: unknown }>(res);
    if (!res.ok || !body || typeof body.token !== 'string') {
      error.textContent = res.status === 401 ? 'Wrong email or password.' : messageOf(body, res);
      return;
    }
    state.token = body.token;
    sessionStorage.setItem(TOKEN_KEY, body.token);
    $<HTMLInputElement>('password').value = '';
    void start();
  } catch (err) {
    error.textContent = 'Cannot reach the server: ' + (err as Error).message;
  } finally {
    button.disabled = false;
  }
}

/** Sign out: ends the session on the server too, so the token is refused from now on, on every replica. */
export function onSignOutClick(): void {
  if (state.token) fetch('/api/auth/logout/', { method: 'POST', headers: { authorization: 'Bearer ' + state.token } }).catch(() => undefined);
  signOut('');
}
