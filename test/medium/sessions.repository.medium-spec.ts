import { CHANNELS } from '@app/contracts';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { SessionsRepository } from '../../apps/crm-api/src/auth/sessions.repository';
import { mediumDatabase } from './database';

describe('SessionsRepository (PostgreSQL)', () => {
  const db = mediumDatabase();
  const repo = () => new SessionsRepository(db.em());

  it("a live session gives its user, role and expiry; another user's id, an expired session or a disabled user give null", async () => {
    const ann = await db.user('manager');
    const bob = await db.user();
    const live = randomUUID();
    const before = Date.now();
    await repo().insert(live, ann, 600);
    const found = await repo().liveUser(live, ann);
    expect(found).toMatchObject({ id: ann, role: 'manager', email: `${ann}@medium.test` });
    expect(found!.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 590_000);
    expect(found!.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 610_000);
    expect(await repo().liveUser(live, bob)).toBeNull();

    const expired = randomUUID();
    await repo().insert(expired, ann, -1);
    expect(await repo().liveUser(expired, ann)).toBeNull();

    const disabled = await db.user('sales_rep', true);
    const his = randomUUID();
    await repo().insert(his, disabled, 600);
    expect(await repo().liveUser(his, disabled)).toBeNull();
  });

  it("delete ends one session; deleteAllOf ends all of a user's but the one excepted, and no one else's", async () => {
    const ann = await db.user();
    const bob = await db.user();
    const [a1, a2, a3, b1] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    for (const [id, user] of [
      [a1, ann],
      [a2, ann],
      [a3, ann],
      [b1, bob],
    ])
      await repo().insert(id, user, 600);
    await repo().delete(a1);
    expect(await repo().liveUser(a1, ann)).toBeNull();
    await repo().deleteAllOf(ann, a3);
    expect(await repo().liveRoles([a1, a2, a3, b1])).toEqual(
      new Map([
        [a3, 'sales_rep'],
        [b1, 'sales_rep'],
      ]),
    );
    await repo().deleteAllOf(ann);
    expect([...(await repo().liveRoles([a3, b1])).keys()]).toEqual([b1]);
  });

  it('liveRoles: the current role of each live session asked for, none for expired ones, disabled users or unknown ids', async () => {
    const ann = await db.user('admin');
    const off = await db.user('manager', true);
    const [live, expired, ofDisabled] = [randomUUID(), randomUUID(), randomUUID()];
    await repo().insert(live, ann, 600);
    await repo().insert(expired, ann, -1);
    await repo().insert(ofDisabled, off, 600);
    expect(await repo().liveRoles([live, expired, ofDisabled, randomUUID()])).toEqual(new Map([[live, 'admin']]));
    expect(await repo().liveRoles([])).toEqual(new Map());
  });

  it('deleteEndedBefore removes sessions ended longer ago than the grace, and keeps the rest', async () => {
    const ann = await db.user();
    const [old, recent, live] = [randomUUID(), randomUUID(), randomUUID()];
    await repo().insert(old, ann, -7200);
    await repo().insert(recent, ann, -600);
    await repo().insert(live, ann, 600);
    await repo().deleteEndedBefore(3600);
    const left = await db.sql<{ id: string }>('select id from crm.sessions where user_id = ? order by expires_at', [ann]);
    expect(left.map((r) => r.id)).toEqual([recent, live]);
  });

  it('notify reaches a LISTENer on the channel with the payload', async () => {
    const listener = new Client({ connectionString: process.env.TEST_MEDIUM_DATABASE_URL });
    await listener.connect();
    try {
      await listener.query(`listen ${CHANNELS.sessions}`);
      const heard = new Promise<string | undefined>((resolve) => listener.on('notification', (n) => resolve(n.payload)));
      const payload = JSON.stringify({ session: randomUUID() });
      await repo().notify(CHANNELS.sessions, payload);
      await expect(heard).resolves.toBe(payload);
    } finally {
      await listener.end();
    }
  });
});
