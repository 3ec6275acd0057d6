import { decodeCursor, encodeCursor } from './cursor';

describe('cursor', () => {
  const key = { createdAt: new Date('2026-11-27T12:00:00.123Z'), id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c01' };

  it('round-trips a key, url-safe', () => {
    const text = encodeCursor(key);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text)).toEqual(key);
  });

  it('refuses anything it did not make', () => {
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    expect(decodeCursor('')).toBeNull();
    expect(decodeCursor('not a cursor!')).toBeNull();
    expect(decodeCursor('abc')).toBeNull();
    expect(decodeCursor(enc({ a: 1 }))).toBeNull();
    expect(decodeCursor(enc(['2026-11-27T12:00:00.123Z', 'not-a-uuid']))).toBeNull();
    expect(decodeCursor(enc(['yesterday', key.id]))).toBeNull();
    expect(decodeCursor(enc(['2026-11-27T12:00:00.123Z', key.id, 3]))).toBeNull();
    expect(decodeCursor(enc(['0000-01-01T00:00:00.000Z', key.id]))).toBeNull(); // no year 0 in PostgreSQL
  });
});
