import type { FastifyReply } from 'fastify';

const HEARTBEAT_MS = 15_000;

/**
 * Writes a text/event-stream on the raw response, outside Fastify's reply cycle.
 * A comment line every 15 s keeps proxies from closing an idle stream.
 */
export class SseWriter {
  private readonly heartbeat: NodeJS.Timeout;
  private ended = false;

  constructor(
    private readonly reply: FastifyReply,
    startId: string,
    onClose: () => void,
  ) {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\nid: ${startId}\n\n`);
    res.on('close', onClose);
    this.heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  }

  send(event: string, id: string, data: unknown) {
    if (!this.ended) this.reply.raw.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** The status line is gone; tell the client in-band, and let it reconnect. */
  fail(error: Error) {
    if (!this.ended) this.reply.raw.write(`event: error\ndata: ${JSON.stringify({ message: error.message })}\n\n`);
  }

  end() {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    this.reply.raw.end();
  }
}
