import { ApiClient } from './api-client';
import { eventually } from './eventually';

export interface SseEvent {
  id: string;
  event: string;
  data: any;
}

/** A minimal SSE client over fetch (EventSource cannot send the bearer token). */
export function openStream(client: ApiClient, query: Record<string, string>, lastEventId?: string) {
  const events: SseEvent[] = [];
  let lastId: string | undefined;
  const abort = new AbortController();
  const opened = fetch(new URL(`/api/interaction-logs/stream/?${new URLSearchParams(query)}`, client.baseUrl), {
    headers: { authorization: `Bearer ${client.token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    signal: abort.signal,
  });
  const done = opened.then(async (res) => {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done: finished } = await reader.read();
      if (finished) return;
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
        if (fields.id) lastId = fields.id;
        if (fields.event) events.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) });
      }
    }
  }).catch((e) => {
    if (e.name !== 'AbortError') throw e;
  });
  return {
    events,
    summaries: () => events.map((e) => e.data.summary),
    lastId: () => lastId,
    /** Resolves once the server sent the stream's start position: from then on nothing is missed. */
    opened: () => eventually(() => expect(lastId).toMatch(/^\d+\.[0-9a-f-]{36}$/)),
    close: async () => {
      abort.abort();
      await done;
    },
  };
}
