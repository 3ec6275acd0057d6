import { Client } from 'pg';
import { backoffDelay } from './backoff';
import { closeClient, DbTimeouts, pgClientOptions } from './pg-connections';

/** A LISTEN connection is checked this often: a dead line delivers no notification and no error either. */
const HEARTBEAT_MS = 15_000;
/** A connection that lived this long was a success: the next loss starts the backoff over. */
const STABLE_MS = 10_000;
const DEFAULT_TIMEOUTS: DbTimeouts = { connectTimeoutMs: 5_000, queryTimeoutMs: 5_000 };

/** What a listener calls; given to the constructor, or to start() by a user that gets the listener injected. */
export interface ListenerHandlers {
  onNotify?: (payload: string | undefined) => void;
  onReconnect?: () => void;
  onLost?: (error: Error) => void;
}

/**
 * One dedicated connection LISTENing on a channel, reconnecting with backoff when it is
 * lost. Notifications are only a wake-up: callers poll as well, since a notification
 * sent while the connection was down is gone for good. `onReconnect` runs after each
 * (re)connection, so a caller can catch up on what it may have missed.
 *
 * One loop owns the connection: at most one is open or being opened at any time, every
 * client has its 'error' listener before it connects, and a lost one is ended before
 * the next attempt (a loss reported twice, as 'error' then 'end', is still one loss).
 */
export class PgListener {
  private client?: Client;
  private onLost?: (error: Error) => void;
  private stopped = false;
  private loop?: Promise<void>;
  private wakeStop: () => void = () => undefined;
  private readonly stopping = new Promise<void>((resolve) => (this.wakeStop = resolve));

  constructor(
    private readonly databaseUrl: string,
    private readonly channel: string,
    private onNotify: (payload: string | undefined) => void = () => undefined,
    private onReconnect: () => void = () => undefined,
    private readonly options: { applicationName?: string; timeouts?: DbTimeouts; onLost?: (error: Error) => void } = {},
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name: ${channel}`);
    this.onLost = options.onLost;
  }

  /** Starts listening; `handlers` replace the constructor's (a provider is built before the service that uses it). */
  start(handlers: ListenerHandlers = {}): void {
    this.onNotify = handlers.onNotify ?? this.onNotify;
    this.onReconnect = handlers.onReconnect ?? this.onReconnect;
    this.onLost = handlers.onLost ?? this.onLost;
    this.loop ??= this.run();
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeStop();
    await this.loop;
  }

  private async run(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      const connectedAt = await this.session();
      if (this.stopped) return;
      if (connectedAt && Date.now() - connectedAt >= STABLE_MS) attempt = 0;
      await Promise.race([new Promise((r) => setTimeout(r, backoffDelay(attempt, 200, 10_000))), this.stopping]);
    }
  }

  /** Connects, listens until the connection is lost or stop(); returns when it was up (0: never). */
  private async session(): Promise<number> {
    const timeouts = this.options.timeouts ?? DEFAULT_TIMEOUTS;
    const client = new Client({ connectionString: this.databaseUrl, ...pgClientOptions(timeouts, this.options.applicationName ?? `listen ${this.channel}`) });
    let reportLost: (e: Error) => void = () => undefined;
    const lost = new Promise<Error>((resolve) => (reportLost = resolve));
    client.on('error', (e) => reportLost(e));
    client.on('end', () => reportLost(new Error('connection ended')));
    client.on('notification', (n) => this.onNotify(n.payload));
    let connectedAt = 0;
    let heartbeat: NodeJS.Timeout | undefined;
    try {
      await client.connect();
      await client.query(`listen ${this.channel}`);
      if (this.stopped) return 0;
      connectedAt = Date.now();
      this.client = client;
      heartbeat = setInterval(() => void client.query('select 1').catch((e: Error) => reportLost(e)), HEARTBEAT_MS);
      this.onReconnect();
      const error = await Promise.race([lost, this.stopping.then(() => null)]);
      if (error && !this.stopped) this.onLost?.(error);
    } catch (e) {
      if (!this.stopped) this.onLost?.(e as Error);
    } finally {
      clearInterval(heartbeat);
      if (this.client === client) this.client = undefined;
      await closeClient(client);
    }
    return connectedAt;
  }
}
