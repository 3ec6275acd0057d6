// The dashboard's entry, loaded by index.html as a module (same origin: script-src 'self').
// Every listener is wired here, once the modules are all evaluated; they only declare.
import { downloadCsv } from './csv.js';
import { $ } from './dom.js';
import { navigate, onFeedClick, onFiltersChange, onLoadMore, onPopState, switchTo } from './filters.js';
import { submitLog } from './log-form.js';
import { onSignOutClick, signIn, signOut, start } from './session.js';
import { state } from './state.js';

$('log-form').addEventListener('submit', (e) => void submitLog(e));
$('download-csv').addEventListener('click', () => void downloadCsv());
$('filters').addEventListener('change', onFiltersChange);
$('lane').addEventListener('change', (e) => switchTo({ kind: (e.target as HTMLInputElement).value }));
$('rollup').addEventListener('change', (e) => switchTo({ rollup: (e.target as HTMLInputElement).checked ? 'true' : '' }));
$('filters').addEventListener('submit', (e) => e.preventDefault());
$('clear-filters').addEventListener('click', () => navigate({}));
$('load-more').addEventListener('click', onLoadMore);
$('feed').addEventListener('click', onFeedClick);
window.addEventListener('popstate', onPopState);
$('sign-in').addEventListener('submit', (e) => void signIn(e));
$('sign-out').addEventListener('click', onSignOutClick);

if (state.token) void start();
else signOut('');
