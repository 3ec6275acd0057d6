import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { CHANNELS } from '@app/contracts';
import { PgListener } from '@app/platform';
import { ApiConfig } from '../config/api.config';
import { dbTimeouts } from '../database/db-timeouts';

/**
 * When a logger has committed a batch (LISTEN interaction_log on the primary): what
 * live streams and `Prefer: wait` wait for. `closed` aborts at shutdown, which ends every
 * live stream, so the HTTP server can close.
 */
@Injectable()
export class FeedWrites implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly log = new Logger(FeedWrites.name);
  private readonly written = new EventEmitter().setMaxListeners(0);
  private readonly listener: PgListener;
  private readonly shutdown = new AbortController();
  readonly closed: AbortSignal = this.shutdown.signal;

  constructor(config: ApiConfig) {
    const wake = () => this.written.emit('written');
    this.listener = new PgListener(config.DATABASE_URL, CHANNELS.feed, wake, wake, {
      applicationName: 'crm-api listen interaction_log',
      timeouts: dbTimeouts(config),
      onLost: (e) => this.log.warn({ msg: 'LISTEN connection lost: reconnecting with backoff (the poll goes on)', channel: CHANNELS.feed, error: e.message }),
    });
  }

  onModuleInit() {
    this.listener.start();
  }

  /** Before the HTTP server closes: a live stream would otherwise hold it open forever. */
  beforeApplicationShutdown() {
    this.shutdown.abort();
    this.written.emit('closing');
  }

  async onApplicationShutdown() {
    await this.listener.stop();
  }

  /** Resolves at the next announced write, at shutdown, when `signal` aborts, or after maxMs. */
  next(maxMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.written.off('written', done).off('closing', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, maxMs);
      this.written.once('written', done).once('closing', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
