import { randomUUID } from 'node:crypto';
import { LoginFailuresRepository } from '../../apps/crm-api/src/auth/login-failures.repository';
import { mediumDatabase } from './database';

describe('LoginFailuresRepository (PostgreSQL)', () => {
  const db = mediumDatabase();
  const repo = () => new LoginFailuresRepository(db.em());
  /** Keys of this test alone (files and tests share the table). */
  const key = (kind: string) => `${kind}|${randomUUID()}`;

  it('failures count up in a window, which says how long it has left; an ended window starts again at 1', async () => {
    const [pair, account] = [key('p'), key('u')];
    await repo().countFailure([
      { key: pair, seconds: 60 },
      { key: account, seconds: 900 },
    ]);
    await repo().countFailure([
      { key: pair, seconds: 60 },
      { key: account, seconds: 900 },
    ]);
    const windows = await repo().liveWindows([pair, account, key('a')]);
    expect(windows.map((w) => [w.key, w.failures]).sort()).toEqual(
      [
        [pair, 2],
        [account, 2],
      ].sort(),
    );
    const wait = (k: string) => windows.find((w) => w.key === k)!.waitSeconds;
    expect(wait(pair)).toBeGreaterThan(55);
    expect(wait(pair)).toBeLessThanOrEqual(60);
    expect(wait(account)).toBeGreaterThan(895);

    const ended = key('p');
    await repo().countFailure([{ key: ended, seconds: 0 }]);
    expect(await repo().liveWindows([ended])).toEqual([]);
    await repo().countFailure([{ key: ended, seconds: 60 }]);
    expect(await repo().liveWindows([ended])).toEqual([expect.objectContaining({ key: ended, failures: 1 })]);
  });

  it('a later failure does not extend its window', async () => {
    const pair = key('p');
    await repo().countFailure([{ key: pair, seconds: 5 }]);
    await repo().countFailure([{ key: pair, seconds: 600 }]);
    const [window] = await repo().liveWindows([pair]);
    expect(window).toMatchObject({ failures: 2 });
    expect(window.waitSeconds).toBeLessThanOrEqual(5);
  });

  it('takeSlot: one taker per slot until its time is up, even when replicas race for it', async () => {
    const slot = key('s');
    const raced = await Promise.all(Array.from({ length: 6 }, () => repo().takeSlot(slot, 60)));
    expect(raced.filter(Boolean)).toHaveLength(1);
    expect(await repo().takeSlot(slot, 60)).toBe(false);
    const brief = key('s');
    expect(await repo().takeSlot(brief, 0)).toBe(true);
    expect(await repo().takeSlot(brief, 0)).toBe(true);
  });

  it('forgetAndMark: the failures are gone and the mark lasts the seconds given', async () => {
    const [pair, known] = [key('p'), key('k')];
    await repo().countFailure([{ key: pair, seconds: 60 }]);
    await repo().forgetAndMark(pair, known, 30 * 86_400);
    const windows = await repo().liveWindows([pair, known]);
    expect(windows).toEqual([{ key: known, failures: 0, waitSeconds: expect.any(Number) }]);
    expect(windows[0].waitSeconds).toBeGreaterThan(30 * 86_400 - 10);
  });

  it('deleteEnded removes the ended windows and only them', async () => {
    const [ended, live] = [key('p'), key('p')];
    await repo().countFailure([
      { key: ended, seconds: 0 },
      { key: live, seconds: 60 },
    ]);
    await repo().deleteEnded();
    const rows = await db.sql<{ key: string }>('select key from crm.login_failures where key in (?, ?)', [ended, live]);
    expect(rows.map((r) => r.key)).toEqual([live]);
  });
});
