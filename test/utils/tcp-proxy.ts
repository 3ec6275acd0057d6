import { AddressInfo, createServer, connect, Socket } from 'node:net';

export interface TcpProxy {
  host: string;
  port: number;
  /** Drops every open connection and refuses new ones until restore(). */
  cut(): void;
  /**
   * A silent network drop: nothing is closed or refused, but no byte goes through either
   * way (open connections freeze, new ones are accepted and left waiting) until restore(),
   * which lets everything flow again. What a dead link or a lost route looks like.
   */
  stall(): void;
  /**
   * Half a stall: what the client sends still reaches the target, but no answer comes back
   * (new connections are held) until restore(). A publisher's messages reach the broker
   * while its confirms never arrive: a round caught in flight.
   */
  stallReplies(): void;
  /** Accepts connections again (and forwards them). */
  restore(): void;
  close(): Promise<void>;
  /** Connections accepted and forwarded so far. */
  readonly connections: number;
  /** Client connections open through the proxy right now (forwarded or held by a stall). */
  readonly open: number;
  /** Connections turned away while cut. */
  readonly refused: number;
}

/** A TCP proxy on an ephemeral local port to target, for fault tests: cut the line, restore it. */
export async function createProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  const clients = new Set<Socket>();
  /** Pairs whose bytes flow, and pairs a stall holds (connected upstream on restore). */
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const held: Socket[] = [];
  let mode: 'open' | 'cut' | 'stalled' | 'replies-stalled' = 'open';
  let connections = 0;
  let refused = 0;

  const flow = (pair: { client: Socket; upstream: Socket }) => {
    pair.client.pipe(pair.upstream);
    pair.upstream.pipe(pair.client);
  };
  const freeze = (pair: { client: Socket; upstream: Socket }) => {
    for (const s of [pair.client, pair.upstream]) {
      s.unpipe();
      s.pause();
    }
  };

  const forward = (client: Socket) => {
    connections += 1;
    const upstream = connect({ host: targetHost, port: targetPort });
    const pair = { client, upstream };
    pairs.add(pair);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ]) {
      open.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        open.delete(a);
        pairs.delete(pair);
        b.destroy();
      });
    }
    flow(pair);
  };

  const server = createServer((client) => {
    if (mode === 'cut') {
      refused += 1;
      client.destroy();
      return;
    }
    clients.add(client);
    client.on('close', () => clients.delete(client));
    if (mode === 'stalled' || mode === 'replies-stalled') {
      client.on('error', () => client.destroy());
      held.push(client);
      return;
    }
    forward(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  const cut = () => {
    mode = 'cut';
    for (const s of [...open, ...held]) s.destroy();
    open.clear();
    held.length = 0;
  };
  return {
    host: '127.0.0.1',
    port,
    cut,
    stall: () => {
      mode = 'stalled';
      for (const pair of pairs) freeze(pair);
    },
    stallReplies: () => {
      mode = 'replies-stalled';
      for (const pair of pairs) {
        pair.upstream.unpipe(pair.client);
        pair.upstream.pause();
      }
    },
    restore: () => {
      const was = mode;
      mode = 'open';
      if (was !== 'stalled' && was !== 'replies-stalled') return;
      for (const pair of pairs) {
        if (was === 'stalled') flow(pair);
        else pair.upstream.pipe(pair.client);
        pair.client.resume();
        pair.upstream.resume();
      }
      for (const client of held.splice(0)) if (!client.destroyed) forward(client);
    },
    close: () => {
      cut();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
    get connections() {
      return connections;
    },
    get open() {
      return clients.size;
    },
    get refused() {
      return refused;
    },
  };
}

/** The same URL with host and port replaced by the proxy's (for DATABASE_URL / AMQP_URL). */
export function viaProxy(url: string, proxy: Pick<TcpProxy, 'host' | 'port'>): string {
  const u = new URL(url);
  u.hostname = proxy.host;
  u.port = String(proxy.port);
  return u.toString();
}
