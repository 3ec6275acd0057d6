import { Client } from 'pg';
import { backoffDelay } from './backoff';

/**
 * One dedicated connection LISTENing on a channel, reconnecting with backoff when it is
 * lost. Notifications are only a wake-up: callers poll as well, since a notification
 * sent while the connection was down is gone for good. `onReconnect` runs after each
 * (re)connection, so a caller can catch up on what it may have missed.
 */
export class PgListener {
  private client?: Client;
  private stopped = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly channel: string,
    private readonly onNotify: (payload: string | undefined) => void,
    private readonly onReconnect: () => void = () => undefined,
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name: ${channel}`);
  }

  start(): void {
    void this.connect();
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      const client = new Client({ connectionString: this.databaseUrl, application_name: `listen ${this.channel}` });
      let lost = false;
      const onLost = () => {
        if (lost) return; // 'error' and 'end' both report the one loss
        lost = true;
        if (this.client === client) this.client = undefined;
        client.end().catch(() => undefined);
        if (!this.stopped) void this.connect();
      };
      try {
        client.on('notification', (n) => this.onNotify(n.payload));
        client.on('error', onLost);
        client.on('end', onLost);
        await client.connect();
        await client.query(`listen ${this.channel}`);
        if (this.stopped) return void client.end().catch(() => undefined);
        this.client = client;
        this.onReconnect();
        return;
      } catch {
        lost = true;
        await client.end().catch(() => undefined);
        await new Promise((r) => setTimeout(r, backoffDelay(attempt, 200, 10_000)));
      }
    }
  }
}
