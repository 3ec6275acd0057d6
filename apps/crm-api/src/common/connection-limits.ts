import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import { ThrottledWarning } from './throttled-warning';

/**
 * Caps open connections, in total and per client address, so that no one client (nor
 * a crowd of them) holds every socket and file descriptor: a connection beyond either cap
 * is closed as soon as it is accepted, before a byte of it is read. The total cap is
 * Node's own `maxConnections`; the per-address one is counted here. Behind a proxy every
 * connection comes from the proxy's address, so the per-address cap must be raised there
 * (the proxy limits its clients instead). Operators see one warning per 10 s with counts.
 */
export function limitConnections(server: Server, max: number, perAddress: number): void {
  const log = new Logger('http');
  const refusedTotal = new ThrottledWarning(log);
  const refusedPerAddress = new ThrottledWarning(log);
  const open = new Map<string, number>();

  server.maxConnections = max;
  server.on('drop', (data?: { remoteAddress?: string }) =>
    refusedTotal.warn({ msg: 'connection refused: HTTP_MAX_CONNECTIONS reached', limit: max, address: data?.remoteAddress }),
  );
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '?';
    const count = (open.get(address) ?? 0) + 1;
    if (count > perAddress) {
      refusedPerAddress.warn({ msg: 'connection refused: HTTP_MAX_CONNECTIONS_PER_ADDRESS reached', limit: perAddress, address });
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
