import { buildEvent, EXAMPLES } from '@app/contracts';
import { decisiveChanges, isLater, LogChange, toChange } from './log-changes';

const actor = { id: '0b8f3f4e-3f0c-4c56-9a55-2a3c7e1d0a01', name: 'Alice Admin' };
const LOG = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c09';
const OTHER = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c10';
const TS = '2026-11-27T12:00:09.123456Z';

const edit = (summary: string, time: string, log = LOG, id?: string) =>
  toChange(buildEvent('interaction.edited', { log_id: log, log_timestamp: TS, type: 'note', summary, actor }, { time, ...(id ? { id } : {}) }));
const del = (time: string, log = LOG) => toChange(buildEvent('interaction.deleted', { log_id: log, log_timestamp: TS, actor }, { time }));

describe('log changes', () => {
  it('the canonical changes name the canonical manual log, by its id and time', () => {
    const logged = EXAMPLES['interaction.logged'][1];
    for (const change of [EXAMPLES['interaction.edited'][1], EXAMPLES['interaction.deleted'][1]]) {
      expect(change.data).toMatchObject({ log_id: logged.id, log_timestamp: logged.time });
      expect(change.subject).toBe(logged.id);
    }
  });

  it("reads an edit's and a delete's event into the change the logger applies", () => {
    const e = edit('Fixed', '2026-11-28T10:00:00.000Z');
    expect(e).toEqual({
      eventId: expect.any(String),
      kind: 'edit',
      logId: LOG,
      logTimestamp: TS,
      at: '2026-11-28T10:00:00.000Z',
      summary: 'Fixed',
      type: 'note',
      byId: actor.id,
      byName: actor.name,
    });
    expect(del('2026-11-28T10:00:00.000Z')).toMatchObject({ kind: 'delete', logId: LOG, summary: null, type: null, byId: actor.id });
  });

  it('orders by time, then by event id (the tie PostgreSQL breaks the same way)', () => {
    const t = '2026-11-28T10:00:00.000Z';
    expect(isLater({ at: '2026-11-28T10:00:00.001Z', eventId: '0' }, { at: t, eventId: 'f' })).toBe(true);
    expect(isLater({ at: t, eventId: 'b' }, { at: t, eventId: 'a' })).toBe(true);
    expect(isLater({ at: t, eventId: 'a' }, { at: t, eventId: 'a' })).toBe(false);
    // The same instant written two ways is the same instant.
    expect(isLater({ at: '2026-11-28T11:00:00.000+01:00', eventId: 'a' }, { at: t, eventId: 'a' })).toBe(false);
  });

  it('keeps one change per log: the latest edit whatever the arrival order, and a delete over any edit', () => {
    const early = edit('early', '2026-11-28T10:00:00.000Z');
    const late = edit('late', '2026-11-28T10:00:05.000Z');
    const firstDelete = del('2026-11-28T10:00:01.000Z');
    const other = edit('other log', '2026-11-28T09:00:00.000Z', OTHER);
    const keep = (changes: LogChange[]) => decisiveChanges(changes).map((c) => c.summary ?? c.kind);
    expect(keep([late, early])).toEqual(['late']);
    expect(keep([early, late])).toEqual(['late']);
    expect(keep([late, firstDelete, early, other])).toEqual(['delete', 'other log']);
    expect(decisiveChanges([del('2026-11-28T10:00:09.000Z'), firstDelete])).toEqual([firstDelete]);
  });
});
