// Live updates: /api/interaction-logs/stream/ read with fetch, parsed here, resumed with Last-Event-ID.
import { call, type ErrorBody, jsonOrNull, messageOf, SignedOut, sleep } from './api.js';
import { $ } from './dom.js';
import { place, refill, showFeedError, unplace } from './feed.js';
import { state } from './state.js';
import type { Log } from './types.js';

interface SseEvent {
  type: string;
  data: string;
  id: string | null;
}

/**
 * A text/event-stream parser: a field per line, an event per blank line, comments
 * ignored. Takes decoded chunks as they come; a line may span chunks.
 */
export function sseParser(onEvent: (event: SseEvent) => void, onRetry: (ms: number) => void): (chunk: string) => void {
  let buffer = '';
  let data: string[] = [];
  let type = '';
  let id: string | null = null;
  let pendingCR = false;
  return (chunk) => {
    if (pendingCR && chunk[0] === '\n') chunk = chunk.slice(1);
    pendingCR = chunk.endsWith('\r');
    const lines = (buffer + chunk).split(/\r\n|\r|\n/);
    buffer = lines.pop()!;
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

function setLive(on: boolean): void {
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
export function follow(query: string, view: number, signal: AbortSignal): Promise<void> {
  return new Promise((opened) => {
    void (async () => {
      let lastId: string | null = null;
      let retry = 2000;
      let reconnecting = false;
      while (!signal.aborted && view === state.view) {
        try {
          const headers: Record<string, string> = { accept: 'text/event-stream' };
          if (lastId) headers['last-event-id'] = lastId;
          const res = await call('/api/interaction-logs/stream/?' + query, { headers, signal });
          if (!res.ok) {
            const message = messageOf(await jsonOrNull<ErrorBody>(res), res);
            if (res.status < 500) {
              showFeedError('Live updates refused: ' + message);
              opened();
              return;
            }
            throw new Error(message);
          }
          setLive(true);
          opened();
          // Without a Last-Event-ID (cut before any event came) the new stream starts
          // now: what was written meanwhile comes from the newest page instead.
          if (reconnecting && !lastId) refill(query, view, signal);
          const parse = sseParser(
            (event) => {
              if (event.id) lastId = event.id;
              if (view !== state.view) return;
              if (event.type === 'interaction-log') place(JSON.parse(event.data) as Log, true);
              else if (event.type === 'interaction-log-deleted') unplace((JSON.parse(event.data) as { id: string }).id);
            },
            (ms) => {
              retry = ms;
            },
          );
          // A 2xx without a body throws here like a cut line: the loop reconnects.
          const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            parse(value);
          }
        } catch (e) {
          if (e instanceof SignedOut) {
            opened();
            return;
          }
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
