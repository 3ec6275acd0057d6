import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { Policy } from '../auth/policy';
import { decodeCursor } from '../common/cursor';
import { DomainError } from '../common/domain-error';
import type { Caller } from '../common/request-context';
import { logRow } from '../../../../test/utils/log-row';
import { FeedRepository, LogRow } from './feed.repository';
import { FeedService } from './feed.service';
import { FeedWrites } from './feed.writes';

/**
 * The feed's service tier: what it makes of the rows its repository gives (pages, groups,
 * `via`, export names, the stream's items), with the repository, the write notifications
 * and the Policy mocked. The SQL itself is tested against PostgreSQL (feed-*.e2e-spec.ts,
 * partitions.e2e-spec.ts).
 */
const admin: Caller = { id: randomUUID(), name: 'Ada', email: 'ada@example.com', role: 'admin', kind: 'user' };
const CONTACT = randomUUID();

/** A log of the admin's about the contact (what each test changes: `over`). */
const row = (over: Partial<LogRow> = {}) => logRow({ user_id: admin.id, contact_id: CONTACT, data: { actor: { id: admin.id } }, ...over });

async function feedWith(repo: Partial<Record<keyof FeedRepository, jest.Mock>>) {
  const closing = new AbortController();
  const writes = { closed: closing.signal, next: jest.fn(async () => closing.abort()) };
  const policy = { readableLogsSql: jest.fn(() => null), readableIdsSql: jest.fn(() => null), readsAll: jest.fn(() => true) };
  const module = await Test.createTestingModule({
    providers: [FeedService, { provide: FeedRepository, useValue: repo }, { provide: FeedWrites, useValue: writes }, { provide: Policy, useValue: policy }],
  }).compile();
  return { feed: module.get(FeedService), writes };
}

describe('FeedService', () => {
  it('a page of `limit` asks for one row more, and gives a cursor at its last row only when there is more', async () => {
    const rows = [row(), row(), row()];
    const page = jest.fn(async () => rows);
    const { feed } = await feedWith({ page });
    const first = await feed.list({}, admin, 2);
    expect(page).toHaveBeenCalledWith(expect.objectContaining({ readable: null }), 3, undefined);
    expect(first.results.map((l) => l.id)).toEqual([rows[0].id, rows[1].id]);
    expect(decodeCursor(first.nextCursor!)).toEqual({ createdAt: rows[1].timestamp, id: rows[1].id });

    page.mockResolvedValueOnce(rows.slice(0, 2));
    expect((await feed.list({}, admin, 2)).nextCursor).toBeNull();
  });

  it("a grouped page does not end inside a group: the next rows of the last group's action come along", async () => {
    const action = randomUUID();
    const rows = [row(), row({ correlation_id: action }), row({ correlation_id: action }), row({ correlation_id: action }), row()];
    const { feed } = await feedWith({ page: jest.fn(async () => rows) });
    const { results, nextCursor } = await feed.listGrouped({}, admin, 2);
    expect(results.map((g) => [g.correlation_id, g.logs.length])).toEqual([
      [rows[0].correlation_id, 1],
      [action, 3],
    ]);
    expect(nextCursor).not.toBeNull();
  });

  it("another user's log with the same correlation id is a group of its own", async () => {
    const action = randomUUID();
    const other = randomUUID();
    const rows = [row({ correlation_id: action }), row({ correlation_id: action, user_id: other, data: { actor: { id: other } } })];
    const { feed } = await feedWith({ page: jest.fn(async () => rows) });
    expect((await feed.listGrouped({}, admin, 5)).results.map((g) => g.logs.length)).toEqual([1, 1]);
  });

  it('include_contact on an opportunity the caller cannot see is a 404, like one that does not exist', async () => {
    const { feed } = await feedWith({ opportunityContact: jest.fn(async () => undefined), page: jest.fn() });
    await expect(feed.list({ opportunity: randomUUID(), include_contact: true }, admin, 20)).rejects.toMatchObject({ code: 'not_found' });
  });

  it("rolled up: an entry that came through an opportunity says so (via), the contact's own do not", async () => {
    const deal = { type: 'opportunity' as const, id: randomUUID(), name: 'ACME Expansion', since: null };
    const own = row();
    const through = row({ contact_id: null, opportunity_id: deal.id });
    const { feed } = await feedWith({ rollupMembers: jest.fn(async () => [deal]), page: jest.fn(async () => [own, through]) });
    const { results } = await feed.list({ contact: CONTACT, rollup: true }, admin, 20);
    expect(results.map((l) => l.via)).toEqual([null, { type: 'opportunity', id: deal.id, name: 'ACME Expansion' }]);
  });

  it("export: each page's user names are looked up once (a deleted user's is null), until the last, short page", async () => {
    const gone = randomUUID();
    const pages = [[row(), row({ user_id: gone })], [row()]];
    const page = jest.fn(async () => pages.shift() ?? []);
    const userNames = jest.fn(async (ids: string[]) => ids.filter((id) => id === admin.id).map((id) => ({ id, name: admin.name })));
    const { feed } = await feedWith({ page, userNames });
    const out = [];
    const nameLine = (r: { user_name: string | null }) => `${JSON.stringify(r.user_name)}\n`;
    for await (const chunk of feed.exportChunks({}, admin, 2, nameLine, new AbortController().signal))
      out.push(
        chunk
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as unknown),
      );
    expect(out).toEqual([['Ada', null], ['Ada']]);
    expect(userNames).toHaveBeenCalledTimes(1); // the second page's user was known
    expect(page).toHaveBeenCalledTimes(2); // a short page is the end
  });

  it('the stream: new and edited logs as logs, a deleted one and one edited out of the type filter as `deleted`', async () => {
    const call = row();
    const deleted = row({ deleted_at: new Date() });
    const movedOut = row({ type: 'meeting', edit_id: randomUUID() });
    const committedAfter = jest.fn().mockResolvedValueOnce([call, deleted, movedOut]).mockResolvedValue([]);
    const { feed } = await feedWith({ committedAfter, streamHead: jest.fn(async () => ({ xid: '1', id: randomUUID() })) });
    const { follow } = await feed.openStream({ type: 'call' }, admin);
    const items = [];
    for await (const item of follow(new AbortController().signal)) items.push(item);
    expect(items.map((i) => (i.log ? ['log', i.log.id] : ['deleted', i.deleted.id]))).toEqual([
      ['log', call.id],
      ['deleted', deleted.id],
      ['deleted', movedOut.id],
    ]);
  });

  it('one log the caller may not read is a 404', async () => {
    const { feed } = await feedWith({ byId: jest.fn(async () => null) });
    await expect(feed.get(randomUUID(), admin)).rejects.toBeInstanceOf(DomainError);
  });
});
