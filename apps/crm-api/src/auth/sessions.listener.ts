import { Injectable, Logger } from '@nestjs/common';
import { CHANNELS } from '@app/contracts';
import { PgListener } from '@app/platform';
import { ApiConfig } from '../config/api.config';
import { dbTimeouts } from '../database/db-timeouts';

/**
 * The sessions channel's LISTEN connection (one per replica): a provider of its own, so
 * SessionsService opens no connection itself and a test hands it a fake one.
 */
@Injectable()
export class SessionsListener {
  private readonly log = new Logger('SessionsService');
  private listener?: PgListener;

  constructor(private readonly config: ApiConfig) {}

  /** LISTENs from now on: `onNotify` per notification, `onConnected` after each (re)connection. */
  start(onNotify: (payload: string | undefined) => void, onConnected: () => void): void {
    this.listener ??= new PgListener(this.config.DATABASE_URL, CHANNELS.sessions, onNotify, onConnected, {
      applicationName: 'crm-api listen crm_sessions',
      timeouts: dbTimeouts(this.config),
      onLost: (e) => this.log.warn({ msg: 'LISTEN connection lost: reconnecting with backoff', channel: CHANNELS.sessions, error: e.message }),
    });
    this.listener.start();
  }

  async stop(): Promise<void> {
    await this.listener?.stop();
  }
}
