import { Test } from '@nestjs/testing';
import type { Pool } from 'pg';
import { randomUUID } from 'node:crypto';
import { Policy } from '../auth/policy';
import type { Caller } from '../common/request-context';
import type { ApiConfig } from '../config/api.config';
import { logRow } from '../../../../test/utils/log-row';
import { csvLine } from './feed.export';
import { ExportReader } from './feed.export-reader';
import { FeedRepository, LogRow } from './feed.repository';
import { FeedService } from './feed.service';
import { FeedWrites } from './feed.writes';

/**
 * An export reads every page on one connection of the feed's pool held for it (ExportReader), and
 * gives it back however the export ends: at its last page, when the client goes away
 * (the reader closed early), and on a failed read, then to be discarded, not reused.
 */
const admin: Caller = { id: randomUUID(), name: 'Ada', email: 'ada@example.com', role: 'admin', kind: 'user' };

async function exportWith(pages: (LogRow[] | Error)[]) {
  const connection = { release: jest.fn(), read: jest.fn(async (page: (db: unknown) => Promise<unknown>) => page('export connection')) };
  const reader = { connect: jest.fn(async () => connection) };
  const page = jest.fn(async () => {
    const next = pages.shift() ?? [];
    if (next instanceof Error) throw next;
    return next;
  });
  const repo = { page, userNames: jest.fn(async () => [{ id: admin.id, name: admin.name }]) };
  const writes = { closed: new AbortController().signal, next: jest.fn() };
  const policy = { readableLogsSql: jest.fn(() => null), readableIdsSql: jest.fn(() => null), readsAll: jest.fn(() => true) };
  const module = await Test.createTestingModule({
    providers: [
      FeedService,
      { provide: FeedRepository, useValue: repo },
      { provide: FeedWrites, useValue: writes },
      { provide: Policy, useValue: policy },
      { provide: ExportReader, useValue: reader },
    ],
  }).compile();
  const chunks = module.get(FeedService).exportChunks({}, admin, 2, csvLine, new AbortController().signal);
  return { chunks, connection, page };
}

const row = () => logRow({ user_id: admin.id });

describe('feed export: its connection', () => {
  it('reads every page on one connection, each page one chunk of lines, and releases it after the last', async () => {
    const first = [row(), row()];
    const { chunks, connection, page } = await exportWith([first, [row()]]);
    const out: string[] = [];
    for await (const chunk of chunks) out.push(chunk);
    expect(out).toHaveLength(2);
    expect(out[0].split('\r\n')).toHaveLength(3); // two lines, then nothing after the last CRLF
    expect(out[0]).toContain(`,${first[1].id},`);
    expect(page.mock.calls.map((c: unknown[]) => c[3])).toEqual(['export connection', 'export connection']);
    expect(connection.release).toHaveBeenCalledTimes(1);
    expect(connection.release).toHaveBeenCalledWith(undefined);
  });

  it('releases it when the export stops early (the client gone), and discards it after a failed read', async () => {
    const early = await exportWith([
      [row(), row()],
      [row(), row()],
    ]);
    await early.chunks.next();
    await early.chunks.return(undefined);
    expect(early.connection.release).toHaveBeenCalledWith(undefined);

    const lost = new Error('Query read timeout');
    const failed = await exportWith([[row(), row()], lost]);
    await failed.chunks.next();
    await expect(failed.chunks.next()).rejects.toBe(lost);
    expect(failed.connection.release).toHaveBeenCalledWith(lost);
  });
});

describe('ExportReader', () => {
  /** A pooled pg client whose answer never comes until its socket is destroyed (a dead line). */
  function deadLine() {
    let answer: ((error: Error | null, result?: unknown) => void) | undefined;
    const client = {
      connectionParameters: { query_timeout: 7000 },
      connection: { stream: { destroy: jest.fn((error: Error) => answer?.(error)) } },
      query: jest.fn((_config: unknown, callback: (error: Error | null, result?: unknown) => void) => (answer = callback)),
      release: jest.fn(),
    };
    const pool = { connect: jest.fn(async () => client) };
    const config = { DB_QUERY_TIMEOUT_MS: 5000 } as ApiConfig;
    return { client, reader: new ExportReader(pool as unknown as Pool, config) };
  }

  afterEach(() => jest.useRealTimers());

  it("holds pg's read timer off while the export holds the connection, and gives it back as it was", async () => {
    const { client, reader } = deadLine();
    const connection = await reader.connect();
    expect(client.connectionParameters.query_timeout).toBe(0);
    connection.release();
    expect(client.connectionParameters.query_timeout).toBe(7000);
    expect(client.release).toHaveBeenCalledWith(undefined);
  });

  it('a page not answered within DB_QUERY_TIMEOUT_MS + 2 s cuts the connection: the read fails', async () => {
    jest.useFakeTimers();
    const { client, reader } = deadLine();
    const connection = await reader.connect();
    const read = connection.read((db) => db.query({ text: 'select 1' }));
    const failed = expect(read).rejects.toThrow('Query read timeout');
    jest.advanceTimersByTime(6999);
    expect(client.connection.stream.destroy).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    await failed;
    expect(client.connection.stream.destroy).toHaveBeenCalledTimes(1);
  });
});
