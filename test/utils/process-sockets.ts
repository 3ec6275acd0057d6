import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** How many file descriptors process `pid` has open (Linux: /proc/<pid>/fd). */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/**
 * TCP sockets of process `pid` whose remote end is 127.0.0.1:`port`, in any state
 * (connecting, open, closing): its connections to a proxy, counted from its side. Pass
 * `socketInodesTo` taken when the proxy was made as `existing` to count only connections
 * made since: an ephemeral port is reused, and a socket another test of the same jest
 * worker left open to an earlier server on that port would count too.
 */
export function socketsTo(pid: number, port: number, existing: ReadonlySet<string> = new Set()): number {
  let n = 0;
  for (const inode of socketInodesTo(pid, port)) if (!existing.has(inode)) n += 1;
  return n;
}

/** The inodes of the sockets `socketsTo` counts. */
export function socketInodesTo(pid: number, port: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed while we looked
    }
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1]);
  }
  const remote = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const found = new Set<string>();
  for (const line of readFileSync(`/proc/${pid}/net/tcp`, 'utf8').split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    // sl local_address rem_address st tx_queue:rx_queue tr:when retrnsmt uid timeout inode
    if (cols.length > 9 && cols[2] === remote && inodes.has(cols[9])) found.add(cols[9]);
  }
  return found;
}
