/**
 * The live stream's position: (xid, id) of the last log sent, in commit-safe order
 * (see feed.repository.ts). Pages use the common keyset cursor (common/cursor.ts).
 */
export interface StreamPosition {
  xid: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Stream positions travel as SSE ids (`Last-Event-ID`): "<xid>.<uuid>". */
export function encodeStreamPosition(p: StreamPosition): string {
  return `${p.xid}.${p.id}`;
}

export function decodeStreamPosition(raw: string): StreamPosition | null {
  const m = /^(\d{1,20})\.([0-9a-f-]{36})$/i.exec(raw.trim());
  // xid8 is an unsigned 64-bit integer: a larger number is no position we gave out.
  return m && UUID.test(m[2]) && BigInt(m[1]) < 2n ** 64n ? { xid: m[1], id: m[2] } : null;
}
