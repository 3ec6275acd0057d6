import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { CHANNELS } from '@app/contracts';
import { LogWriterRepository } from '../../apps/activity-logger/src/logs/log-writer.repository';
import { LogChange } from '../../apps/activity-logger/src/logs/log-changes';
import { activityDatabase, newLog } from './activity';

describe('LogWriterRepository (PostgreSQL)', () => {
  const db = activityDatabase();
  let writer: LogWriterRepository;
  // crm-api's live stream listens on this channel: what it is woken by.
  let listener: Client;
  let notified = 0;
  beforeAll(async () => {
    writer = new LogWriterRepository(db.config());
    listener = new Client({ connectionString: db.url });
    await listener.connect();
    listener.on('notification', (n) => n.channel === CHANNELS.feed && notified++);
    await listener.query(`listen "${CHANNELS.feed}"`);
  });
  afterAll(async () => {
    await writer?.onApplicationShutdown();
    await listener?.end();
  });
  /** The notifications the statement sent (they arrive after its commit, asynchronously). */
  async function notificationsDuring(work: () => Promise<unknown>): Promise<number> {
    // What earlier tests' statements sent is heard first: counted after, one of theirs was
    // taken for this work's (CI saw 2 for one batch once, right after the redelivery test).
    await listener.query('select 1');
    const before = notified;
    await work();
    await listener.query('select 1'); // a round trip on the listener: what was sent before it has arrived
    await new Promise((r) => setTimeout(r, 100));
    return notified - before;
  }
  const stored = (ids: string[]) =>
    db.sql<{ id: string; summary: string; user_id: string; source: string; event_type: string; data: unknown; timestamp: Date }>(
      'select id, summary, user_id, source, event_type, data, "timestamp" from activity.interaction_log where id = any($1::uuid[]) order by id',
      [ids],
    );

  it('insert: every row of the batch stored as given, the new ids returned', async () => {
    const logs = [newLog(), newLog({ summary: 'Sent the quote', type: 'email' })];
    expect((await writer.insert(logs)).sort()).toEqual(logs.map((l) => l.id).sort());
    const rows = await stored(logs.map((l) => l.id));
    expect(rows).toHaveLength(2);
    const second = rows.find((r) => r.id === logs[1].id)!;
    expect(second).toMatchObject({ summary: 'Sent the quote', user_id: logs[1].userId, source: 'manual', event_type: 'interaction.logged', data: logs[1].data });
    expect(second.timestamp.toISOString()).toBe(logs[1].timestamp);
  });

  it('insert: an event id already logged (a redelivery) is skipped and left out of the answer; the row is kept once, unchanged', async () => {
    const first = newLog();
    await writer.insert([first]);
    const fresh = newLog();
    const again = { ...first, summary: 'redelivered, must not overwrite' };
    expect(await writer.insert([again, fresh])).toEqual([fresh.id]);
    expect(await writer.insert([again])).toEqual([]);
    const rows = await stored([first.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].summary).toBe(first.summary);
  });

  it('insert: one NOTIFY on the feed channel per batch with new logs (however many), none for an empty batch', async () => {
    const logs = [newLog(), newLog(), newLog()];
    expect(await notificationsDuring(() => writer.insert(logs))).toBe(1);
    expect(await notificationsDuring(() => writer.insert([]))).toBe(0);
  });

  // A batch of redeliveries wakes no live stream (it once did: the notify ran before the insert's rows were read).
  it('insert: no NOTIFY when every event of the batch was already logged', async () => {
    const logs = [newLog(), newLog()];
    await notificationsDuring(() => writer.insert(logs));
    expect(await notificationsDuring(() => writer.insert(logs))).toBe(0);
  });

  it('insert: a backdated log whose month has no partition yet gets one, and lands in it', async () => {
    // A year no other medium file writes to (retention's tests use the 1990s).
    const old = newLog({ timestamp: '2004-07-15T10:00:00.000Z' });
    expect(await writer.insert([old])).toEqual([old.id]);
    const [row] = await db.sql<{ partition: string }>('select tableoid::regclass::text as partition from activity.interaction_log where id = $1', [old.id]);
    expect(row.partition).toBe('activity.interaction_log_y2004m07');
  });

  it('insert: a month the writer believed made but which is gone is made again, and the batch lands (nothing thrown)', async () => {
    // The writer remembers the months ahead once made; dropping one behind its back (nobody
    // else writes two months ahead) makes its picture stale, as the swap to the partitioned
    // table did within the second after it last looked.
    const now = new Date();
    const ahead = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 10));
    await writer.insert([newLog()]);
    const name = `interaction_log_y${ahead.getUTCFullYear()}m${String(ahead.getUTCMonth() + 1).padStart(2, '0')}`;
    await db.sql(`drop table activity.${name}`);
    const log = newLog({ timestamp: ahead.toISOString() });
    expect(await writer.insert([log])).toEqual([log.id]);
    const [row] = await db.sql<{ partition: string }>('select tableoid::regclass::text as partition from activity.interaction_log where id = $1', [log.id]);
    expect(row.partition).toBe(`activity.${name}`);
  });

  it('applyChanges: an edit of a manual log is applied (summary, type, data); a change of an unknown log is not found', async () => {
    const log = newLog();
    await notificationsDuring(() => writer.insert([log])); // its own NOTIFY arrived before the edit's is counted
    const edit: LogChange = {
      eventId: randomUUID(),
      kind: 'edit',
      logId: log.id,
      logTimestamp: log.timestamp,
      at: new Date().toISOString(),
      summary: 'Called, left a message',
      type: 'call',
      byId: randomUUID(),
      byName: 'Ann',
    };
    const unknown: LogChange = { ...edit, eventId: randomUUID(), logId: randomUUID() };
    let outcomes: unknown;
    expect(await notificationsDuring(async () => (outcomes = await writer.applyChanges([edit, unknown])))).toBe(1);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ eventId: edit.eventId, applied: true, found: true }),
        expect.objectContaining({ eventId: unknown.eventId, applied: false, found: false }),
      ]),
    );
    const [row] = await db.sql<{ summary: string; type: string; data: { summary: string; type: string } }>(
      'select summary, type, data from activity.interaction_log where id = $1',
      [log.id],
    );
    expect(row).toMatchObject({ summary: 'Called, left a message', type: 'call', data: { summary: 'Called, left a message', type: 'call' } });
    // The same edit again (a redelivery): found, not applied twice.
    expect(await writer.applyChanges([edit])).toEqual([expect.objectContaining({ eventId: edit.eventId, applied: false, found: true })]);
  });

  it('applyChanges: an automatic log is never changed', async () => {
    const auto = newLog({ source: 'auto', eventType: 'lead.created', eventVersion: 1 });
    await writer.insert([auto]);
    const del: LogChange = {
      eventId: randomUUID(),
      kind: 'delete',
      logId: auto.id,
      logTimestamp: auto.timestamp,
      at: new Date().toISOString(),
      summary: null,
      type: null,
      byId: randomUUID(),
      byName: 'Ann',
    };
    expect(await writer.applyChanges([del])).toEqual([expect.objectContaining({ applied: false, found: true })]);
    const [row] = await db.sql<{ deleted_at: Date | null }>('select deleted_at from activity.interaction_log where id = $1', [auto.id]);
    expect(row.deleted_at).toBeNull();
  });

  it('ping: true while the database answers', async () => {
    await expect(writer.ping()).resolves.toBe(true);
  });
});
