import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { eventually } from '../../../../test/kit/poll';
import type { ApiConfig } from '../config/api.config';
import type { Caller } from '../common/request-context';
import { FeedController } from './feed.controller';
import { ExportSlots } from './feed.export-slots';
import type { FeedService } from './feed.service';

/**
 * What bounds an export's memory: a page is read only once the client has taken the one
 * before (the socket's 'drain'), and however the export ends, its pages' reader is closed
 * (which gives its connection back). The feed service is a stand-in counting the pages
 * asked of it; the response is a socket that takes nothing until told to.
 */
const caller: Caller = { id: randomUUID(), name: 'Ada', email: 'ada@example.com', role: 'admin', kind: 'user' };

/** A response whose socket buffer is full until `drain()`: every write answers false, as node's does. */
class SlowClient extends EventEmitter {
  readonly chunks: string[] = [];
  destroyed = false;
  writableEnded = false;
  writeHead() {}
  write(chunk: string) {
    this.chunks.push(chunk);
    return false;
  }
  drain() {
    this.emit('drain');
  }
  end() {
    this.writableEnded = true;
  }
  goAway() {
    this.destroyed = true;
    this.emit('close');
  }
}

function exportOf(pages: number) {
  const asked = { pages: 0, closed: false };
  const feed = {
    async *exportChunks() {
      try {
        for (let i = 0; i < pages; i++) {
          asked.pages += 1;
          yield `{"page":${i}}\n`;
        }
      } finally {
        asked.closed = true;
      }
    },
  };
  const config = { EXPORT_PAGE_SIZE: 1000, EXPORTS_PER_USER: 2 } as ApiConfig;
  const controller = new FeedController(feed as unknown as FeedService, null as never, null as never, null as never, config, new ExportSlots());
  const res = new SlowClient();
  const reply = { raw: res, hijack() {} } as unknown as FastifyReply;
  const done = controller.export({ format: 'ndjson' }, reply, caller);
  return { asked, res, done };
}

/** Lets every pending callback and promise of the export run: what it would do next, it has done. */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('feed export: backpressure', () => {
  it('reads no further page while the client has not taken the last one; one more for each drain', async () => {
    const { asked, res, done } = exportOf(1000);
    await eventually(() => expect(res.chunks).toHaveLength(1), { timeout: 5_000, interval: 5 });
    await settle();
    expect(asked.pages).toBe(1); // the client reads nothing: nothing more is read for it
    for (let n = 2; n <= 4; n++) {
      res.drain();
      await eventually(() => expect(res.chunks).toHaveLength(n), { timeout: 5_000, interval: 5 });
      await settle();
      expect(asked.pages).toBe(n);
    }
    res.goAway();
    await done;
    expect(asked.pages).toBe(4);
    expect(asked.closed).toBe(true); // its reader closed, its connection released
    expect(res.writableEnded).toBe(false); // a client gone gets no end of file
  });

  it('ends the file after the last page, and closes the reader', async () => {
    const { asked, res, done } = exportOf(2);
    await eventually(() => expect(res.chunks).toHaveLength(1), { timeout: 5_000, interval: 5 });
    res.drain();
    await eventually(() => expect(res.chunks).toHaveLength(2), { timeout: 5_000, interval: 5 });
    res.drain();
    await done;
    expect(res.chunks).toEqual(['{"page":0}\n', '{"page":1}\n']);
    expect(res.writableEnded).toBe(true);
    expect(asked.closed).toBe(true);
  });
});
