import { Logger } from '@nestjs/common';
import { CHANNELS } from '@app/contracts';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { SessionsListener } from '../../apps/crm-api/src/auth/sessions.listener';
import { eventually } from '../utils/eventually';
import { newTestService } from '../utils/service-test';

/**
 * The sessions channel's LISTEN connection against the real PostgreSQL (its one
 * collaborator is the server): a session ended on another replica reaches this one,
 * and a connection lost is reopened with a call that lets SessionsService re-check what
 * it may have missed. What SessionsService does with both: sessions.service.spec.ts.
 */
describe('SessionsListener (PostgreSQL)', () => {
  const url = process.env.TEST_MEDIUM_DATABASE_URL;
  if (!url) throw new Error('TEST_MEDIUM_DATABASE_URL is not set: run the medium project (npx jest --selectProjects medium)');
  const db = new Client({ connectionString: url });
  beforeAll(() => db.connect());
  afterAll(() => db.end());

  /** The listener's own connections, by the name it gives them (no other medium file opens one). */
  const connections = async () =>
    (await db.query<{ pid: number }>(`select pid from pg_stat_activity where datname = current_database() and application_name = 'crm-api listen crm_sessions'`)).rows;

  /** A started listener and what it was told: the payloads heard, the (re)connections. */
  async function listening() {
    const { sut } = await newTestService(SessionsListener, { env: { DATABASE_URL: url } });
    const heard: (string | undefined)[] = [];
    const connected = jest.fn();
    sut.start((payload) => heard.push(payload), connected);
    await eventually(() => expect(connected).toHaveBeenCalledTimes(1), { timeout: 10_000 });
    return { sut, heard, connected };
  }

  /** NOTIFYs `payload` on the sessions channel, as another replica does when a session ends, and waits until `heard` is it alone. */
  async function notifiedOnce(payload: string, heard: (string | undefined)[]) {
    await db.query('select pg_notify($1, $2)', [CHANNELS.sessions, payload]);
    await eventually(() => expect(heard).toEqual([payload]), { timeout: 10_000 });
  }

  it('a session ended on another replica (its NOTIFY on the sessions channel) reaches onNotify with its payload', async () => {
    const { sut, heard } = await listening();
    try {
      await notifiedOnce(JSON.stringify({ session: randomUUID() }), heard);
    } finally {
      await sut.stop();
    }
  });

  it('one connection however often it is started; stop closes it', async () => {
    const { sut, connected } = await listening();
    sut.start(
      () => undefined,
      () => undefined,
    );
    expect(await connections()).toHaveLength(1);
    await sut.stop();
    expect(await connections()).toEqual([]);
    expect(connected).toHaveBeenCalledTimes(1);
  });

  it('a lost connection is reopened, with a warning, and onConnected runs again (the service re-checks what it missed)', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { sut, heard, connected } = await listening();
    try {
      const [{ pid }] = await connections();
      await db.query('select pg_terminate_backend($1)', [pid]);
      await eventually(() => expect(connected).toHaveBeenCalledTimes(2), { timeout: 20_000 });
      expect(warn).toHaveBeenCalledWith(expect.objectContaining({ msg: 'LISTEN connection lost: reconnecting with backoff', channel: CHANNELS.sessions }));
      await notifiedOnce(JSON.stringify({ user: randomUUID() }), heard);
    } finally {
      await sut.stop();
      warn.mockRestore();
    }
  });
});
