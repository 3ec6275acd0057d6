import { ApiClient } from './api-client';
import { eventually } from './eventually';

export interface SseEvent {
  id: string;
  event: string;
  data: any;
}

/**
 * A minimal SSE client of the live feed over fetch (EventSource cannot send the bearer
 * token). `ended` tells whether the server closed the stream (not us).
 */
export function openStream(client: ApiClient, query: Record<string, string>, lastEventId?: string) {
  const events: SseEvent[] = [];
  let lastId: string | undefined;
  let endedByServer = false;
  let status: number | undefined;
  const abort = new AbortController();
  const opened = fetch(new URL(`/api/interaction-logs/stream/?${new URLSearchParams(query)}`, client.baseUrl), {
    headers: { authorization: `Bearer ${client.token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    signal: abort.signal,
  });
  const done = opened
    .then(async (res) => {
      status = res.status;
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done: finished } = await reader.read();
        if (finished) {
          endedByServer = true;
          return;
        }
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const fields = Object.fromEntries(
            block
              .split('\n')
              .filter((l) => !l.startsWith(':'))
              .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
          );
          if (fields.id) lastId = fields.id;
          if (fields.event) events.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) });
        }
      }
    })
    .catch((e) => {
      if (e.name !== 'AbortError') {
        // The server cut the connection (rather than ending the body cleanly): ended too.
        if (status === 200) endedByServer = true;
        else throw e;
      }
    });
  return {
    events,
    summaries: () => events.map((e) => e.data.summary),
    lastId: () => lastId,
    /** True once the server ended the stream. */
    ended: () => endedByServer,
    /** Resolves once the server sent the stream's start position: from then on nothing is missed. */
    opened: () => eventually(() => expect(lastId).toMatch(/^\d+\.[0-9a-f-]{36}$/)),
    close: async () => {
      abort.abort();
      await done;
    },
  };
}
