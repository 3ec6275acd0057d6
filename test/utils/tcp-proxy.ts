import { AddressInfo, createServer, connect, Socket } from 'node:net';

export interface TcpProxy {
  host: string;
  port: number;
  /** Drops every open connection and refuses new ones until restore(). */
  cut(): void;
  /** Accepts connections again (and forwards them). */
  restore(): void;
  close(): Promise<void>;
  /** Connections accepted and forwarded so far. */
  readonly connections: number;
}

/** A TCP proxy on an ephemeral local port to target, for fault tests: cut the line, restore it. */
export async function createProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let isCut = false;
  let connections = 0;

  const server = createServer((client) => {
    if (isCut) {
      client.destroy();
      return;
    }
    connections += 1;
    const upstream = connect({ host: targetHost, port: targetPort });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ]) {
      open.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        open.delete(a);
        b.destroy();
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  const cut = () => {
    isCut = true;
    for (const s of open) s.destroy();
    open.clear();
  };
  return {
    host: '127.0.0.1',
    port,
    cut,
    restore: () => {
      isCut = false;
    },
    close: () => {
      cut();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
    get connections() {
      return connections;
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
