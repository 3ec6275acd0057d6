import { randomUUID } from 'node:crypto';
import { DomainError } from '../../apps/crm-api/src/common/domain-error';
import type { Lead } from '../../apps/crm-api/src/leads/lead.entity';
import { LeadsRepository } from '../../apps/crm-api/src/leads/leads.repository';
import { OutboxEventsRepository } from '../../apps/crm-api/src/outbox/outbox.repository';
import { OutboxService } from '../../apps/crm-api/src/outbox/outbox.service';
import { requestCtx } from '../utils/record-service-test';
import { mediumDatabase } from './database';

/**
 * A PATCH's write (RecordRepository.change, common/records.ts): a read, then one statement
 * that updates the row only if it is still the version read and inserts the events only
 * if it did. What must hold against the real PostgreSQL: the events commit with the
 * change, a change computed on a replaced version is computed again, and concurrent
 * changes of one record chain (each event's old value is the one it replaced).
 */
describe('RecordRepository.change (PostgreSQL)', () => {
  const db = mediumDatabase();
  const ctx = requestCtx('manager');
  const setup = () => {
    const em = db.em();
    return { leads: new LeadsRepository(em), outbox: new OutboxService(new OutboxEventsRepository(em)) };
  };
  async function lead(status = 'new'): Promise<string> {
    const id = randomUUID();
    await db.sql("insert into crm.leads (id, name, status, updated_at) values (?, 'Acme', ?, now() - interval '1 minute')", [id, status]);
    return id;
  }
  const events = (id: string) =>
    db.sql<{ old: string; new: string }>(
      "select payload #>> '{data,old_value}' as old, payload #>> '{data,new_value}' as new from crm.outbox where payload->>'subject' = ? order by payload->>'time'",
      [id],
    );
  /** A change of the status that emits lead.status_changed, as LeadsService.update does. */
  const changeStatus = (s: ReturnType<typeof setup>, id: string, status: Lead['status'], during?: () => Promise<unknown>) =>
    s.leads.change(id, { status }, async (record, { before, now }) => {
      await during?.();
      s.outbox.emit(
        ctx,
        'lead.status_changed',
        { lead_id: id, name: record.name, field: 'status', old_value: before.status, new_value: record.status },
        { subject: id, time: now },
      );
    });

  it('writes the change and its event together; a change to the same values writes nothing; a missing record is a 404', async () => {
    const s = setup();
    const id = await lead();
    const changed = await changeStatus(s, id, 'contacted');
    expect(changed.status).toBe('contacted');
    const [row] = await db.sql('select status, updated_at = ?::timestamptz as answered_version from crm.leads where id = ?', [changed.updatedAt.toISOString(), id]);
    expect(row).toEqual({ status: 'contacted', answered_version: true });
    expect(await events(id)).toEqual([{ old: 'new', new: 'contacted' }]);
    await changeStatus(s, id, 'contacted');
    expect(await events(id)).toHaveLength(1);
    await expect(changeStatus(s, randomUUID(), 'contacted')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a version written between the read and the write: nothing of the first computation is written, the change is computed again on the new row', async () => {
    const s = setup();
    const id = await lead();
    let calls = 0;
    // The first run of `emit` lets another writer change the row (after the read, before the write).
    await changeStatus(s, id, 'qualified', () => (++calls === 1 ? db.sql("update crm.leads set status = 'contacted', updated_at = now() where id = ?", [id]) : Promise.resolve()));
    expect(calls).toBe(2);
    expect(await events(id)).toEqual([{ old: 'contacted', new: 'qualified' }]);
    expect((await db.sql('select status from crm.leads where id = ?', [id]))[0]).toEqual({ status: 'qualified' });
  });

  it('what `emit` throws (a 409) leaves the row and the outbox untouched', async () => {
    const s = setup();
    const id = await lead();
    await expect(
      s.leads.change(id, { status: 'qualified' }, () => {
        throw DomainError.conflict('no');
      }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect((await db.sql('select status from crm.leads where id = ?', [id]))[0]).toEqual({ status: 'new' });
    expect(await events(id)).toEqual([]);
  });

  it('concurrent changes of one record apply one after the other: the events chain, one per real change', async () => {
    const id = await lead();
    const statuses: Lead['status'][] = ['contacted', 'qualified', 'disqualified', 'new'];
    await Promise.all(Array.from({ length: 12 }, (_, i) => changeStatus(setup(), id, statuses[i % statuses.length])));
    const chain = await events(id);
    expect(chain.length).toBeGreaterThan(1);
    // Each event replaced what the one before it set, and none is a change to the same value.
    chain.forEach((e, i) => expect([e.old, e.old !== e.new]).toEqual([i === 0 ? 'new' : chain[i - 1].new, true]));
    expect((await db.sql('select status from crm.leads where id = ?', [id]))[0]).toEqual({ status: chain[chain.length - 1].new });
  });
});
