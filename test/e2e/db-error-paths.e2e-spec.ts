import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { createPgPool, DbTimeouts, ensureDatabase, PgListener, withTimeout } from '@app/platform';
import { fromDatabaseError } from '../../apps/crm-api/src/common/database-error';
import { crmOrmConfig } from '../../apps/crm-api/src/database/orm.config';
import { OutboxRepository } from '../../apps/crm-api/src/outbox/outbox.repository';
import { LoggerConfig } from '../../apps/activity-logger/src/config/logger.config';
import { LogWriterRepository } from '../../apps/activity-logger/src/logs/log-writer.repository';
import { RerenderRepository } from '../../apps/activity-logger/src/ops/rerender/rerender.repository';
import { RetentionRepository } from '../../apps/activity-logger/src/ops/retention/retention.repository';
import { createProxy, eventually, isolatedStack, IsolatedStack, socketInodesTo, socketsTo, TcpProxy, viaProxy } from '../utils';

jest.setTimeout(120_000);

const TIMEOUTS: DbTimeouts = { connectTimeoutMs: 1000, queryTimeoutMs: 1000 };

/**
 * Every pg client and pool of both apps, each taken through a proxy and cut at the
 * moments a real outage picks: idle in the pool, checked out between two queries, in
 * the middle of a transaction, while (re)connecting, and a silent drop. A connection
 * loss without an 'error' listener is an uncaught exception, which fails the test that
 * provoked it (jest reports "Unhandled error"), so each test passing is the proof for
 * its site. Then each must fail only the operation in flight and work again afterwards.
 */
describe('every database client of both apps survives its connection lost at any moment', () => {
  let stack: IsolatedStack;
  let proxy: TcpProxy;
  /** Sockets of this process to the proxy's port before the test's own: none, unless the port was reused (socketsTo). */
  let existing: ReadonlySet<string>;
  let url: string;
  let closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    stack = await isolatedStack();
  });
  beforeEach(async () => {
    const pg = new URL(stack.databaseUrl);
    proxy = await createProxy(pg.hostname, Number(pg.port || 5432));
    existing = socketInodesTo(process.pid, proxy.port);
    url = viaProxy(stack.databaseUrl, proxy);
  });
  afterEach(async () => {
    // Bounded: a test that failed half-way may leave a client checked out, which pool.end() would wait for.
    for (const close of closers.reverse()) await withTimeout(close(), 5000).catch(() => undefined);
    closers = [];
    await proxy.close();
  });
  afterAll(async () => {
    await stack?.destroy();
  });

  /** The connections this process made to the proxy, counted from its side. */
  const mySockets = () => socketsTo(process.pid, proxy.port, existing);
  const direct = async <T>(fn: (db: Client) => Promise<T>) => {
    const db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      return await fn(db);
    } finally {
      await db.end();
    }
  };

  it('a pg pool (feed reads, outbox relay): a client lost while idle in the pool or checked out between queries', async () => {
    const lost: Error[] = [];
    const pool = createPgPool(url, { max: 2, applicationName: 'error paths', timeouts: TIMEOUTS, onLost: (e) => lost.push(e) });
    closers.push(() => pool.end());
    const held = await pool.connect(); // checked out: pg's Pool no longer listens on it
    const idle = await pool.connect();
    await Promise.all([held.query('select 1'), idle.query('select 1')]);
    idle.release();

    proxy.cut();
    await eventually(() => expect(lost.length).toBe(2));
    await expect(held.query('select 1')).rejects.toThrow();
    held.release();
    // While cut: fails at once, as an outage.
    const refused = await pool.query('select 1').catch((e: unknown) => e);
    expect(fromDatabaseError(refused)).toEqual({ unavailable: expect.any(String) });

    proxy.restore();
    expect((await pool.query('select 1 as one')).rows[0].one).toBe(1);
  });

  it('the outbox relay: its connection lost between the claim and the mark-sent fails the round, and the events stay unsent', async () => {
    const ids = [randomUUID(), randomUUID()];
    await direct((db) => db.query(`insert into crm.outbox (id, type, payload) select unnest($1::uuid[]), 'lead.created', '{}'::jsonb`, [ids]));
    const repo = new OutboxRepository(url, TIMEOUTS, () => undefined);
    closers.push(() => repo.close());

    const round = repo.withClaimedBatch(10, async (rows) => {
      proxy.cut(); // the broker confirmed them; the line drops before they are marked sent
      await new Promise((r) => setTimeout(r, 200));
      return { sent: rows.map((r) => r.id), failed: [] };
    });
    await expect(round).rejects.toThrow();
    proxy.restore();
    expect(await direct((db) => db.query('select count(*)::int as n from crm.outbox where id = any($1::uuid[]) and sent_at is null', [ids]))).toMatchObject({ rows: [{ n: 2 }] });

    // The next round takes them again (published twice; the logger's dedup by event id keeps one log).
    expect(await repo.withClaimedBatch(10, async (rows) => ({ sent: rows.map((r) => r.id), failed: [] }))).toBe(2);
    expect(await direct((db) => db.query('select count(*)::int as n from crm.outbox where id = any($1::uuid[]) and sent_at is null', [ids]))).toMatchObject({ rows: [{ n: 0 }] });
  });

  it('a LISTEN connection: one at a time through cuts and reconnects, backing off while refused, notified again after', async () => {
    const notified: string[] = [];
    let reconnects = 0;
    const listener = new PgListener(
      url,
      'error_paths_test',
      (p) => notified.push(p ?? ''),
      () => reconnects++,
      { timeouts: TIMEOUTS },
    );
    closers.push(() => listener.stop());
    listener.start();
    await eventually(() => expect(listener.listening).toBe(true));

    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, mySockets())), 20);
    try {
      for (let i = 0; i < 5; i++) {
        proxy.cut();
        await eventually(() => expect(listener.listening).toBe(false));
        proxy.restore();
        await eventually(() => expect(listener.listening).toBe(true), { timeout: 15_000 });
      }
      // Refused for 3 s: attempts back off (200 ms, doubling), a single loop making them.
      proxy.cut();
      const refusedBefore = proxy.refused;
      await new Promise((r) => setTimeout(r, 3000));
      expect(proxy.refused - refusedBefore).toBeLessThanOrEqual(6);
      proxy.restore();
      await eventually(() => expect(listener.listening).toBe(true), { timeout: 15_000 });
    } finally {
      clearInterval(sampler);
    }
    expect(most).toBeLessThanOrEqual(1);
    expect(reconnects).toBe(7);
    await direct((db) => db.query(`notify error_paths_test, 'after'`));
    await eventually(() => expect(notified).toContain('after'));
  });

  it('MikroORM/knex (the records): an idle pooled connection lost, a transaction cut half-way, a silent drop mid-query', async () => {
    const orm = await MikroORM.init(crmOrmConfig(url, 2, { timeouts: TIMEOUTS, acquireTimeoutMs: 2000, applicationName: 'error paths', warn: () => undefined }));
    closers.push(() => orm.close(true));
    const execute = () => orm.em.fork().getConnection().execute<{ one: number }[]>('select 1 as one');
    await execute();

    // Idle in the pool when the line drops: knex notices, and replaces it at the next use.
    proxy.cut();
    await eventually(() => expect(mySockets()).toBe(0));
    proxy.restore();
    expect(await execute().catch((e: Error) => `idle: ${e.message}`)).toEqual([{ one: 1 }]);

    // In the middle of a transaction: that transaction fails, as an outage (503).
    const tx = orm.em.fork().transactional(async (em) => {
      await em.getConnection().execute('select 1', [], 'all', em.getTransactionContext());
      proxy.cut();
      await em.getConnection().execute('select 1', [], 'all', em.getTransactionContext());
    });
    const failed = await tx.then(
      () => null,
      (e: unknown) => e,
    );
    expect(fromDatabaseError(failed)).toEqual({ unavailable: expect.any(String) });
    proxy.restore();
    expect(await execute().catch((e: Error) => `after the transaction: ${e.message}`)).toEqual([{ one: 1 }]);

    // No byte through: the query gives up on its timeout (1 s, + 2 s on the client side),
    // and its connection is ended rather than left waiting behind the lost answer.
    proxy.stall();
    const started = Date.now();
    const stalled = await execute().then(
      () => null,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(fromDatabaseError(stalled)).toEqual({ unavailable: expect.any(String) });
    await eventually(() => expect(mySockets()).toBe(0));
    proxy.restore();
    expect(await execute().catch((e: Error) => `after the stall: ${e.message}`)).toEqual([{ one: 1 }]);
  });

  it("the logger's writer pool: its idle connections lost, the check fails while cut, and works again after", async () => {
    const writer = new LogWriterRepository(Object.assign(new LoggerConfig(), { DATABASE_URL: url, DB_POOL_SIZE: 2 }));
    closers.push(() => writer.onApplicationShutdown());
    expect(await writer.ping()).toBe(true);
    proxy.cut();
    expect(await writer.ping()).toBe(false);
    proxy.restore();
    await eventually(async () => expect(await writer.ping()).toBe(true));
  });

  it("the logger's retention and rerender sessions, and ensureDatabase: lost while idle, the next query fails, close() still returns", async () => {
    const retention = await RetentionRepository.connect(url);
    const rerender = await RerenderRepository.connect(url);
    expect(await retention.tryLock()).toBe(true);
    expect(await rerender.tryLock()).toBe(true);
    proxy.cut();
    await eventually(() => expect(mySockets()).toBe(0));
    await expect(retention.tryLock()).rejects.toThrow();
    await expect(rerender.tryLock()).rejects.toThrow();
    await retention.close();
    await rerender.close();
    await expect(ensureDatabase(url)).rejects.toThrow();
    proxy.restore();
    await ensureDatabase(url);
  });
});
