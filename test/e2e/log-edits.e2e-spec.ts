import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { connect } from 'amqplib';
import type { ConsumeMessage } from 'amqplib';
import { Client } from 'pg';
import { buildEvent, CrmEvent, EXCHANGE, messageProperties } from '@app/contracts';
import { amqpCapture, AmqpCapture, create, createUser, eventually, expectStatus, takeDeadLetters, uniq, User, withSystem } from '../utils';
import { openStream } from '../utils/sse';

const ROOT = join(__dirname, '..', '..');

/**
 * Manual logs that can be corrected (PATCH / DELETE /api/interaction-logs/{id}/): crm-api
 * checks and emits interaction.edited / interaction.deleted, the activity-logger applies
 * them to the log's row. On a stack of its own: the test republishes events and reads
 * the logger's dead letters, which must be this file's only.
 */
describe('editing and deleting manual logs', () => {
  let capture: AmqpCapture;
  let author: User;
  let otherRep: User;
  let manager: User;
  const sys = withSystem({ isolated: true, logger: { LOGGER_MAX_ATTEMPTS: '2' } });

  beforeAll(async () => {
    capture = sys.closeAtEnd(await amqpCapture(sys.stack.amqpUrl));
    [author, otherRep, manager] = await Promise.all([createUser(sys.admin), createUser(sys.admin), createUser(sys.admin, 'manager')]);
  });

  /** A lead of the author's with a call they logged, once in the feed. */
  async function loggedCall(by: User = author, summary = uniq('Talked to the buyer')) {
    const lead = await create(sys.admin, 'leads', { name: uniq('Edit Lead'), assigned_to: by.id });
    const log = expectStatus(await by.client.post(`/api/leads/${lead.id}/log_interaction/`, { type: 'call', summary }, { prefer: 'wait=10' }), 201, 'log_interaction');
    return { lead, log };
  }

  const getLog = async (id: string) => expectStatus(await sys.admin.get(`/api/interaction-logs/${id}/`), 200, `GET log ${id}`);

  async function publish(events: CrmEvent[]) {
    const connection = await connect(sys.stack.amqpUrl);
    try {
      const channel = await connection.createConfirmChannel();
      for (const e of events) channel.publish(EXCHANGE, e.type, Buffer.from(JSON.stringify(e)), { ...messageProperties(e), mandatory: true });
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }
  }

  /** The event crm-api published for a change of this log (taken off the broker). */
  const changeEvent = async (type: string, logId: string, nth = 0) =>
    eventually(() => {
      const found = capture.messages.filter((m) => m.routingKey === type && m.body.data.log_id === logId);
      expect(found.length).toBeGreaterThan(nth);
      return found[nth].body as CrmEvent;
    });

  it('the author corrects the summary and the type: the feed shows the new log with edited_at and edited_by, at its original time', async () => {
    const { lead, log } = await loggedCall();
    const res = await author.client.patch(`/api/interaction-logs/${log.id}/`, { summary: 'Met the buyer in person', type: 'meeting' });
    const pending = expectStatus(res, 202, 'PATCH');
    expect(pending).toMatchObject({
      id: log.id,
      status: 'pending',
      summary: 'Met the buyer in person',
      type: 'meeting',
      timestamp: log.timestamp,
      edited_by: { id: author.id, name: author.name },
    });
    const edited = await eventually(async () => {
      const l = await getLog(log.id);
      expect(l.summary).toBe('Met the buyer in person');
      return l;
    });
    expect(edited).toMatchObject({ type: 'meeting', timestamp: log.timestamp, recorded_at: log.recorded_at, user: author.id, source: 'manual', edited_at: pending.edited_at });
    expect(edited.edited_by).toEqual({ id: author.id, name: author.name });
    expect(Date.parse(edited.edited_at)).toBeGreaterThan(Date.parse(log.recorded_at));
    // The text is replaced everywhere a client reads it, the list and `data` included.
    expect(edited.data).toMatchObject({ summary: 'Met the buyer in person', type: 'meeting' });
    const listed = expectStatus(await sys.admin.get(`/api/interaction-logs/?lead=${lead.id}&source=manual`), 200).results;
    expect(listed.map((l: any) => [l.id, l.summary, l.edited_at])).toEqual([[log.id, 'Met the buyer in person', pending.edited_at]]);

    // Only the type: the summary stays the corrected one (also when the first edit was still on its way).
    const second = expectStatus(await author.client.patch(`/api/interaction-logs/${log.id}/`, { type: 'email' }, { prefer: 'wait=10' }), 200, 'PATCH with wait');
    expect(second).toMatchObject({ summary: 'Met the buyer in person', type: 'email', edited_by: { id: author.id } });
    expect(Date.parse(second.edited_at)).toBeGreaterThan(Date.parse(edited.edited_at));
  });

  it('two quick edits in a row: the second builds on the first and is the one kept', async () => {
    const { log } = await loggedCall();
    expectStatus(await author.client.patch(`/api/interaction-logs/${log.id}/`, { summary: 'First fix' }), 202);
    expectStatus(await author.client.patch(`/api/interaction-logs/${log.id}/`, { type: 'note' }), 202);
    await eventually(async () => expect(await getLog(log.id)).toMatchObject({ summary: 'First fix', type: 'note' }));
  });

  it("a manager corrects a rep's log; another rep may not (403), and nothing changes", async () => {
    const { log } = await loggedCall();
    const refused = await otherRep.client.patch(`/api/interaction-logs/${log.id}/`, { summary: 'Not mine to fix' });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/only edit the manual logs they wrote/);
    expect((await otherRep.client.delete(`/api/interaction-logs/${log.id}/`)).status).toBe(403);
    const edited = expectStatus(await manager.client.patch(`/api/interaction-logs/${log.id}/`, { summary: 'Fixed by the manager' }, { prefer: 'wait=10' }), 200);
    expect(edited).toMatchObject({ summary: 'Fixed by the manager', type: 'call', user: author.id, edited_by: { id: manager.id, name: manager.name } });
    await eventually(() => expect(capture.messages.filter((m) => m.body?.data?.log_id === log.id).map((m) => m.body.data.actor.id)).toEqual([manager.id]));
  });

  it('an automatic log cannot be edited or deleted (409), and stays as it was', async () => {
    const name = uniq('Auto Lead');
    const lead = await create(author.client, 'leads', { name });
    const auto = await eventually(async () => {
      const [l] = expectStatus(await sys.admin.get(`/api/interaction-logs/?lead=${lead.id}`), 200).results;
      expect(l?.summary).toBe(`New lead created: ${name}`);
      return l;
    });
    for (const res of [await sys.admin.patch(`/api/interaction-logs/${auto.id}/`, { summary: 'Rewritten history' }), await sys.admin.delete(`/api/interaction-logs/${auto.id}/`)]) {
      expect(res.status).toBe(409);
      expect(res.body.message).toMatch(/written by the system \(source auto\): only manual logs can be edited or deleted/);
    }
    expect(await getLog(auto.id)).toEqual(auto);
    expect(capture.messages.filter((m) => m.body?.data?.log_id === auto.id)).toEqual([]);
  });

  it('a bad body is a 400 naming the field; an unknown log a 404', async () => {
    const { log } = await loggedCall();
    const cases: [unknown, RegExp][] = [
      [{ type: 'fax' }, /^type: /],
      [{ summary: '   ' }, /^summary: must not be blank/],
      [{ summary: 'x'.repeat(10001) }, /^summary: /],
      [{ timestamp: '2020-01-01T00:00:00Z' }, /^timestamp: unknown field/],
      [{ user: otherRep.id, summary: 'x' }, /^user: unknown field/],
      [{}, /give summary, type or both/],
    ];
    for (const [body, message] of cases) {
      const res = await author.client.patch(`/api/interaction-logs/${log.id}/`, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect([res.body.message].flat().join('; ')).toMatch(message);
    }
    expect((await author.client.patch(`/api/interaction-logs/${randomUUID()}/`, { summary: 'x' })).status).toBe(404);
    expect((await author.client.delete(`/api/interaction-logs/${randomUUID()}/`)).status).toBe(404);
    expect((await author.client.patch('/api/interaction-logs/not-a-uuid/', { summary: 'x' })).status).toBe(400);
    expect((await getLog(log.id)).edited_at).toBeNull();
  });

  it('delete: the log leaves the list and GET (404), an open stream is told, and it cannot be edited any more', async () => {
    const { lead, log } = await loggedCall();
    const { log: kept } = await loggedCall();
    const stream = openStream(sys.admin, {});
    await stream.opened();
    expectStatus(await author.client.patch(`/api/interaction-logs/${kept.id}/`, { summary: 'Streamed fix' }), 202);
    const res = await author.client.delete(`/api/interaction-logs/${log.id}/`, { prefer: 'wait=10' });
    expect(res.status).toBe(204);
    expect((await sys.admin.get(`/api/interaction-logs/${log.id}/`)).status).toBe(404);
    expect(expectStatus(await sys.admin.get(`/api/interaction-logs/?lead=${lead.id}&source=manual`), 200).results).toEqual([]);
    expect(expectStatus(await sys.admin.get(`/api/interaction-logs/?lead=${lead.id}&source=manual&group=correlation`), 200).results).toEqual([]);
    await eventually(() => {
      expect(stream.events.find((e) => e.event === 'interaction-log-deleted')).toMatchObject({ data: { id: log.id } });
      const edit = stream.events.find((e) => e.event === 'interaction-log' && e.data.id === kept.id);
      expect(edit?.data).toMatchObject({ summary: 'Streamed fix', timestamp: kept.timestamp, edited_by: { id: author.id, name: author.name } });
      expect(edit?.data.edited_at).toEqual(expect.any(String));
    });
    expect(Object.keys(stream.events.find((e) => e.event === 'interaction-log-deleted')!.data)).toEqual(['id']);
    await stream.close();
    // Gone for good: a second delete, an edit, or the log's own event coming again change nothing.
    expect((await author.client.delete(`/api/interaction-logs/${log.id}/`)).status).toBe(404);
    expect((await manager.client.patch(`/api/interaction-logs/${log.id}/`, { summary: 'Back?' })).status).toBe(404);
    const original = (await capture.waitFor((m) => m.body.id === log.id)).body as CrmEvent;
    await publish([original]);
    await publishMarkerAndWait();
    expect((await sys.admin.get(`/api/interaction-logs/${log.id}/`)).status).toBe(404);
  });

  it('a stream filtered by type is told when an edit moves a log out of it (interaction-log-deleted), and sees one moved into it', async () => {
    const { log: out } = await loggedCall();
    const { log: into } = await loggedCall();
    expectStatus(await author.client.patch(`/api/interaction-logs/${into.id}/`, { type: 'email' }, { prefer: 'wait=10' }), 200, 'PATCH to email');
    const calls = openStream(sys.admin, { type: 'call' });
    await calls.opened();
    expectStatus(await author.client.patch(`/api/interaction-logs/${out.id}/`, { type: 'meeting' }, { prefer: 'wait=10' }), 200, 'PATCH out of calls');
    expectStatus(await author.client.patch(`/api/interaction-logs/${into.id}/`, { type: 'call', summary: 'A call after all' }, { prefer: 'wait=10' }), 200, 'PATCH into calls');
    // What the page shows in the end is each log's last event. (A new stream may also repeat
    // what committed just before it opened, e.g. the move to email: docs/decisions.md.)
    const last = (id: string) => calls.events.filter((e) => e.data.id === id).at(-1);
    await eventually(() => {
      expect(last(out.id)).toEqual(expect.objectContaining({ event: 'interaction-log-deleted', data: { id: out.id } }));
      expect(last(into.id)).toEqual(expect.objectContaining({ event: 'interaction-log', data: expect.objectContaining({ type: 'call', summary: 'A call after all' }) }));
    });
    expect(calls.events.filter((e) => e.data.id === out.id && e.event === 'interaction-log' && e.data.type !== 'call')).toEqual([]);
    await calls.close();
  });

  /** The log's row as stored (the API shows neither its xid nor a tombstone's columns). */
  async function storedRows(sql: string, id: string): Promise<Record<string, unknown>[]> {
    const db = new Client({ connectionString: sys.stack.databaseUrl });
    await db.connect();
    try {
      return (await db.query(sql, [id])).rows;
    } finally {
      await db.end();
    }
  }

  /** The id of the transaction that last wrote the log's row (the stream's position is "<xid>.<id>"). */
  const rowXid = async (id: string) => (await storedRows('select xid::text as xid from activity.interaction_log where id = $1', id))[0].xid as string;

  /** A log written after everything published before it: once it is in the feed, so is all that came before on the queue. */
  async function publishMarkerAndWait() {
    const marker = buildEvent('interaction.logged', {
      type: 'note',
      summary: uniq('marker'),
      lead_id: null,
      contact_id: null,
      opportunity_id: null,
      actor: { id: author.id, name: author.name },
    });
    await publish([marker]);
    await eventually(async () => expectStatus(await sys.admin.get(`/api/interaction-logs/${marker.id}/`), 200));
  }

  it('redelivered edits change nothing more: the same one again, or an older one after a newer', async () => {
    const { log } = await loggedCall();
    expectStatus(await author.client.patch(`/api/interaction-logs/${log.id}/`, { summary: 'Older fix' }, { prefer: 'wait=10' }), 200);
    const newer = expectStatus(await author.client.patch(`/api/interaction-logs/${log.id}/`, { summary: 'Newer fix' }, { prefer: 'wait=10' }), 200);
    const [older, latest] = [await changeEvent('interaction.edited', log.id, 0), await changeEvent('interaction.edited', log.id, 1)];
    const stream = openStream(sys.admin, { user: author.id });
    await stream.opened();
    const committed = await rowXid(log.id);
    await publish([latest, older, older]);
    await publishMarkerAndWait();
    expect(await getLog(log.id)).toEqual(newer);
    // The row was not rewritten (same transaction id), and not announced again: the stream
    // may only repeat the newer edit's own commit from before it opened (docs/decisions.md).
    expect(await rowXid(log.id)).toBe(committed);
    await eventually(() => expect(stream.events.some((e) => e.data.summary?.startsWith('marker'))).toBe(true));
    expect(stream.events.filter((e) => e.data.id === log.id && e.id !== `${committed}.${log.id}`)).toEqual([]);
    await stream.close();
  });

  it('an edit that reaches the logger before its log is kept: dead-lettered with the reason after its attempts, applied when replayed', async () => {
    // crm-api only emits an edit for a log in the feed; a restore or an operator's replay can still reorder them.
    const actor = { id: author.id, name: author.name };
    const log = buildEvent('interaction.logged', { type: 'call', summary: 'Before its edit', lead_id: null, contact_id: null, opportunity_id: null, actor });
    const edit = buildEvent('interaction.edited', { log_id: log.id, log_timestamp: log.time, type: 'call', summary: 'Edited before it existed', actor }, { subject: log.id });
    await publish([edit]);
    const found = new Map<string, ConsumeMessage>();
    await eventually(async () => {
      await takeDeadLetters(sys.stack.amqpUrl, [edit.id], found);
      expect(found.has(edit.id)).toBe(true);
    });
    expect(String(found.get(edit.id)!.properties.headers?.['x-dead-letter-reason'])).toMatch(`interaction log not found: ${log.id}`);
    await publish([log]);
    await eventually(async () => expect((await getLog(log.id)).summary).toBe('Before its edit'));
    await publish([JSON.parse(found.get(edit.id)!.content.toString('utf8'))]);
    await eventually(async () => expect(await getLog(log.id)).toMatchObject({ summary: 'Edited before it existed', edited_by: actor, edited_at: edit.time }));
  });

  it('the rerender tool leaves an edited manual log as its editor left it', async () => {
    const { log } = await loggedCall();
    const edited = expectStatus(await author.client.patch(`/api/interaction-logs/${log.id}/`, { summary: 'Edited, then rerendered' }, { prefer: 'wait=10' }), 200);
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', 'activity-logger', 'main.js'), 'rerender'], {
        cwd: ROOT,
        env: { ...process.env, NODE_ENV: 'test', ...sys.stack.env },
      });
      let text = '';
      child.stdout.on('data', (d) => (text += d));
      child.stderr.on('data', (d) => (text += d));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`rerender exited ${code}: ${text}`))));
    });
    expect(out).toMatch(/rerender: scanned \d+, changed 0,/);
    expect(await getLog(log.id)).toEqual(edited);
  });

  it('the tombstone stays in the table: a deleted log is kept for audit, with who deleted it', async () => {
    const { log } = await loggedCall();
    expect((await manager.client.delete(`/api/interaction-logs/${log.id}/`, { prefer: 'wait=10' })).status).toBe(204);
    const rows = await storedRows(`select summary, deleted_at is not null as deleted, deleted_by_id from activity.interaction_log where id = $1`, log.id);
    expect(rows).toEqual([{ summary: log.summary, deleted: true, deleted_by_id: manager.id }]);
  });
});
