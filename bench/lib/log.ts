/** Progress goes to stderr; stdout carries only the figure lines. */
const t0 = Date.now();
export function log(msg: string) {
  const s = ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${s}s] ${msg}\n`);
}

// Polling is shared with the tests (test/kit/poll.ts).
export { sleep, until } from '../../test/kit/poll';
