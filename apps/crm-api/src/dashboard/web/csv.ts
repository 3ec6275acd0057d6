// "Download CSV": the export with this view's filters, saved from a Blob.
import { call, type ErrorBody, jsonOrNull, messageOf, SignedOut } from './api.js';
import { $, h } from './dom.js';
import { feedQuery } from './feed.js';
import { state } from './state.js';

/** A timeline's file is named after its record and the day; any other view's, as the server names it. */
function downloadName(res: Response): string {
  const root = state.record;
  if (root) {
    const name = ($('record-name').textContent || root.id)
      .normalize('NFKD')
      .replace(/[^\w.-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .toLowerCase();
    return 'timeline-' + (name || root.kind) + '-' + new Date().toISOString().slice(0, 10) + '.csv';
  }
  const match = /filename="?([^";]+)"?/i.exec(res.headers.get('content-disposition') || '');
  return match ? match[1] : 'activity.csv';
}

/**
 * The timeline as CSV, from the export with this view's filters. A link could not
 * send the bearer token: the page fetches the file and saves it from a Blob.
 */
export async function downloadCsv(): Promise<void> {
  const button = $<HTMLButtonElement>('download-csv');
  const error = $('log-error');
  const status = $('log-status');
  button.disabled = true;
  error.textContent = '';
  status.textContent = 'Preparing the CSV…';
  try {
    const res = await call('/api/interaction-logs/export/?' + feedQuery({ format: 'csv' }), { headers: { accept: 'text/csv' } });
    if (!res.ok) {
      status.textContent = '';
      error.textContent = 'Could not download the CSV: ' + messageOf(await jsonOrNull<ErrorBody>(res), res);
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
    if (!(err instanceof SignedOut)) error.textContent = 'Could not download the CSV: ' + (err as Error).message;
  } finally {
    button.disabled = false;
  }
}
