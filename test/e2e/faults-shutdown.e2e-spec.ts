// Fault injection (faults.shared.ts has the suite's setup and counting): processes killed or stopped mid-work (SIGKILL, SIGTERM under load).
// The describe keeps the original file's name, so every test keeps its full name.
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Client } from 'pg';
import { api, create, eventually, uniq } from '../utils';
import { faultsSuite } from './faults.shared';

// jest reads testTimeout only from the top level of its config, not from a project's.
jest.setTimeout(240_000);

/**
 * One POST on a connection of its own (Connection: close): its answer, or the error code
 * of a request that got none (ECONNREFUSED: never reached the server; anything else: dropped).
 */
function postOnce(baseUrl: string, path: string, token: string, body: unknown): Promise<{ status: number; body: any } | string> {
  return new Promise((resolve) => {
    const payload = JSON.stringify(body);
    const req = httpRequest(
      new URL(path, baseUrl),
      {
        method: 'POST',
        agent: false,
        timeout: 15_000,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          let parsed: unknown = text || null;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            /* not JSON: keep the text */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', (err: NodeJS.ErrnoException) => resolve(`response cut: ${err.code ?? err.message}`));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer within 15 s'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'ECONNREFUSED' : `${err.code ?? ''} ${err.message}`.trim()));
    req.end(payload);
  });
}

describe('faults: nothing lost, nothing twice', () => {
  const suite = faultsSuite();
  const { apiServer, logger, loggedCount, unsentCount, queueDepth, readyCount, eventsOf, expectFeedExactly, insertBacklog, ensureLoggerQueue, holdEvent, loggerWaitsOnLock } =
    suite;
  let db: Client;
  beforeAll(() => ({ db } = suite));

  it('the logger SIGKILLed in the middle of a batch, then restarted: every event logged exactly once', async () => {
    const apiProcess = await apiServer();
    const client = await api(apiProcess.url);
    await ensureLoggerQueue();
    const lead = await create(client, 'leads', { name: uniq('Killed Mid-Batch') });
    const N = 2000;
    const ids = await insertBacklog(N, lead.id, 'sigkill');
    // The relay publishes the backlog; with no consumer it waits in the queue.
    await eventually(async () => expect(await unsentCount(ids)).toBe(0), { timeout: 60_000 });
    await eventually(async () => expect(await queueDepth()).toBe(N + 1));

    const held = await holdEvent(ids[1500]);
    // One writer: the stream stalls behind the held batch, so "some, not all" is a fixed
    // count when it is killed (a second writer would go on writing the rest meanwhile).
    const victim = await logger({ LOGGER_BATCH_SIZE: '100', LOGGER_PREFETCH: '400', LOGGER_WRITERS: '1' });
    await eventually(async () => {
      expect(await loggerWaitsOnLock()).toBeGreaterThan(0);
      expect(await loggedCount(ids)).toBeGreaterThan(0);
    });

    victim.kill('SIGKILL');
    expect(await victim.exited).toMatchObject({ signal: 'SIGKILL' });
    // The server notices the dead client (client_connection_check_interval) and ends its
    // session, statement and all, while the row is still held.
    await eventually(async () => expect(await loggerWaitsOnLock()).toBe(0));
    // Counted once nothing of the logger is left (a batch committing as the wait began
    // made a count taken before the kill one batch short, seen once in CI).
    const before = await loggedCount(ids);
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(N); // some, not all: killed mid-stream, a batch in flight
    await held.release();
    // Its statement died with it: nothing of the batch it held was written.
    expect(await loggedCount(ids)).toBe(before);

    await logger();
    await eventually(async () => expect(await loggedCount(ids)).toBe(N), { timeout: 60_000 });
    await eventually(async () => expect(await queueDepth()).toBe(0));
    const summaries = await db.query(`select count(distinct data->>'summary')::int as n from activity.interaction_log where id = any($1::uuid[])`, [ids]);
    expect(summaries.rows[0].n).toBe(N);
    await expectFeedExactly(client, { lead: lead.id }, [...ids, ...(await eventsOf([lead.id])).filter((id) => !ids.includes(id))]);
  });

  it('SIGTERM to the logger under load: stops taking work, writes and acks what it holds, exits 0 within seconds; after a restart every event is logged once', async () => {
    const apiProcess = await apiServer();
    const client = await api(apiProcess.url);
    await ensureLoggerQueue();
    const lead = await create(client, 'leads', { name: uniq('Logger SIGTERM') });
    const N = 3000;
    const ids = await insertBacklog(N, lead.id, 'sigterm');
    await eventually(async () => expect(await unsentCount(ids)).toBe(0), { timeout: 60_000 });
    await eventually(async () => expect(await queueDepth()).toBe(N + 1));

    // Caught mid-stream: blocked on one event, more delivered and held behind it.
    const held = await holdEvent(ids[1000]);
    const victim = await logger({ LOGGER_BATCH_SIZE: '50', LOGGER_PREFETCH: '300' });
    await eventually(async () => expect(await loggerWaitsOnLock()).toBeGreaterThan(0));
    const atSigterm = await loggedCount(ids);

    const t0 = Date.now();
    victim.kill('SIGTERM');
    // Released once the logger says it is stopping (no fixed wait): the batch in flight finishes during the shutdown.
    await eventually(() => expect(victim.output()).toContain('stopping: taking no new work'), { timeout: 15_000 });
    await held.release();
    const exit = await victim.exited;
    const took = Date.now() - t0;
    // 0, not the hard exit's 1 (main.ts, after 10 s): it finished by itself.
    expect(exit).toEqual({ code: 0, signal: null });
    expect(took).toBeLessThan(10_000);

    const written = await loggedCount(ids);
    expect(written).toBeGreaterThan(atSigterm); // it finished what it held
    const leadEventsWaiting = 1 - (await loggedCount(await eventsOf([lead.id])));
    // Each event either written and acked, or back in the queue (its unacked ones returned
    // when its connection closed): none lost, none written and left unacked.
    await eventually(
      async () => {
        const left = (await readyCount()) - leadEventsWaiting;
        expect(left).toBeGreaterThan(0); // it took no new work
        expect(written + left).toBe(N);
      },
      { timeout: 15_000 },
    ).catch((err: Error) => {
      // The logger's own account of its shutdown (grace over? statements in flight?) is the clue.
      const story = victim
        .output()
        .split('\n')
        .filter((l) => /stopping|shutdown|transport closed|lost|failed/.test(l));
      err.message += `\n--- the logger on its way out ---\n${story.join('\n')}`;
      throw err;
    });

    await logger();
    await eventually(async () => expect(await loggedCount(ids)).toBe(N), { timeout: 60_000 });
    await eventually(async () => expect(await queueDepth()).toBe(0));
    await expectFeedExactly(client, { lead: lead.id }, [...ids, ...(await eventsOf([lead.id])).filter((id) => !ids.includes(id))]);
  });

  it('SIGTERM to crm-api under load (and with a live stream open): in-flight requests finish, exits 0 within seconds; every committed change is logged once', async () => {
    await logger();
    const victim = await apiServer();
    const client = await api(victim.url);
    const stream = await fetch(`${victim.url}/api/interaction-logs/stream/`, { headers: { authorization: `Bearer ${client.token}` } });
    expect(stream.status).toBe(200);
    const reading = stream.body!.pipeTo(new WritableStream()).catch(() => undefined);
    const tag = uniq('Api SIGTERM');
    const answers: number[] = [];
    const created: string[] = [];
    /** Requests that got no answer although their connection was accepted: the name sent, and why. */
    const unanswered: { name: string; error: string }[] = [];
    let refused = 0;
    let stopped = false;
    const loops = Array.from({ length: 4 }, async () => {
      while (!stopped) {
        // A connection per request (no keep-alive): "refused" then means exactly that the
        // server no longer listens, so no request can be lost unnoticed in a reused socket.
        const name = `${tag} ${randomUUID()}`;
        const outcome = await postOnce(victim.url, '/api/leads/', client.token, { name });
        if (typeof outcome === 'string') {
          if (outcome === 'ECONNREFUSED' && victim.exitStatus() !== null) return; // it is gone: nothing was sent
          if (outcome === 'ECONNREFUSED') {
            refused += 1; // listener closed, process still finishing: the request never reached it
            await new Promise((resolve) => setTimeout(resolve, 20));
            continue;
          }
          unanswered.push({ name, error: outcome });
          continue;
        }
        answers.push(outcome.status);
        if (outcome.status === 201) created.push(outcome.body.id);
      }
    });
    await eventually(() => expect(created.length).toBeGreaterThanOrEqual(30));

    const t0 = Date.now();
    victim.kill('SIGTERM');
    const exit = await victim.exited;
    const took = Date.now() - t0;
    stopped = true;
    await Promise.all(loops);
    await reading;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(took).toBeLessThan(8_000);
    // Every request counted. Answered ones properly: created, or turned away while closing.
    // One without an answer is allowed only as a connection reset the server never read
    // (still in the kernel's accept queue, or not yet parsed, when the listener closed):
    // the same as refused, nothing done. One it had begun (its record committed) and then
    // dropped is a failure, and so is any other error (a timeout: a request left hanging).
    const rows = (await db.query<{ id: string; name: string }>(`select id, name from crm.leads where name like $1`, [`${tag} %`])).rows;
    const committedNames = new Set(rows.map((r) => r.name));
    const dropped = unanswered.filter((u) => committedNames.has(u.name) || !/^(ECONNRESET|EPIPE)\b/.test(u.error));
    process.stderr.write(
      `[faults] crm-api SIGTERM: ${answers.length} answered, ${refused} refused, ${unanswered.length - dropped.length} reset unread, ${dropped.length} dropped\n`,
    );
    expect(dropped).toEqual([]);
    expect(answers.filter((s) => s !== 201 && s !== 503)).toEqual([]);

    // What it committed (answered or not) is in the outbox; a restarted replica relays the rest.
    const committed = rows.map((r) => r.id);
    expect(committed).toEqual(expect.arrayContaining(created));
    const events = await eventsOf(committed);
    expect(events.length).toBe(committed.length);
    const again = await apiServer();
    await eventually(async () => expect(await unsentCount(events)).toBe(0), { timeout: 30_000 });
    await eventually(async () => expect(await loggedCount(events)).toBe(events.length), { timeout: 30_000 });
    const perLead = await db.query(`select count(*)::int as n from activity.interaction_log where lead_id = any($1::uuid[]) group by lead_id having count(*) <> 1`, [committed]);
    expect(perLead.rows).toEqual([]);
    const client2 = await api(again.url);
    await expectFeedExactly(client2, { lead: committed[committed.length - 1] }, await eventsOf([committed[committed.length - 1]]));
  });
});
