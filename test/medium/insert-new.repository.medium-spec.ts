import { Knex } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { insertsOf } from '../../apps/crm-api/src/common/insert-new';
import { namedQuery } from '../../apps/crm-api/src/database/named-query';
import { Lead } from '../../apps/crm-api/src/leads/lead.entity';
import { LeadsRepository } from '../../apps/crm-api/src/leads/leads.repository';
import { OutboxEventsRepository } from '../../apps/crm-api/src/outbox/outbox.repository';
import { OutboxService } from '../../apps/crm-api/src/outbox/outbox.service';
import { requestCtx } from '../utils/record-service-test';
import { mediumDatabase } from './database';

/**
 * A create's write (RecordRepository.insertNew, common/insert-new.ts): the record and its
 * events in one named statement. What must hold against the real PostgreSQL: they commit
 * together, with the values given and the defaults of what was not; one statement is
 * prepared per kind of create, whatever its values (set or null); inside a transaction the
 * statement is the transaction's, and goes with its rollback.
 */
describe('RecordRepository.insertNew (PostgreSQL)', () => {
  const db = mediumDatabase();
  const ctx = requestCtx('manager');
  const setup = () => {
    const em = db.em();
    return { em, leads: new LeadsRepository(em), outbox: new OutboxService(new OutboxEventsRepository(em)) };
  };
  /** A lead and its lead.created, as LeadsService.create adds them. */
  const create = (s: ReturnType<typeof setup>, name: string, email: string | null = null) =>
    s.leads.insertNew(() => {
      const lead = s.leads.add({ name, email, status: 'new', createdById: null });
      s.outbox.emit(ctx, 'lead.created', { lead_id: lead.id, name, company: null, status: lead.status, assigned_to: null }, { subject: lead.id, time: lead.createdAt });
      return lead;
    });
  const rows = (id: string) =>
    Promise.all([
      db.sql('select name, email, status, updated_at = created_at as same_times from crm.leads where id = ?', [id]),
      db.sql("select type, sent_at, attempts, payload->>'subject' as subject from crm.outbox where payload->>'subject' = ?", [id]),
    ]);

  it('writes the record and its event together, unset columns null or their default', async () => {
    const s = setup();
    const lead = await create(s, `Ada ${randomUUID()}`, 'ada@example.com');
    expect(await rows(lead.id)).toEqual([
      [{ name: lead.name, email: 'ada@example.com', status: 'new', same_times: true }],
      [{ type: 'lead.created', sent_at: null, attempts: 0, subject: lead.id }],
    ]);
  });

  it("one prepared statement per kind of create, whatever its values; inside a transaction it is the transaction's (rolled back with it)", async () => {
    const s = setup();
    const names: string[] = [];
    const made: string[] = [];
    await expect(
      s.em.transactional(async (tx) => {
        made.push((await create(s, 'With email', 'a@example.com')).id, (await create(s, 'Without')).id);
        // The transaction's connection: the one both statements ran on.
        const trx = tx.getTransactionContext<Knex.Transaction>();
        const prepared = await namedQuery<{ name: string }>(tx, undefined, "select name from pg_prepared_statements where name like 'insert-new:%'", [], trx);
        names.push(...prepared.map((p) => p.name));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(names).toHaveLength(1);
    for (const id of made) expect(await rows(id)).toEqual([[], []]);
  });

  it('answers the record em.create makes of the same data: the class defaults where a value is undefined, the values given', async () => {
    const s = setup();
    const at = new Date('2026-01-02T03:04:05.006Z');
    const data = { id: randomUUID(), name: `Same ${randomUUID()}`, email: undefined, company: 'ACME', status: undefined, createdById: null, createdAt: at, updatedAt: at };
    const answered = await s.leads.insertNew(() => s.leads.add(data));
    const made = s.em.fork().create(Lead, data);
    const props = s.em
      .getMetadata()
      .get(Lead.name)
      .props.map((p) => p.name);
    const fields = (lead: Lead) => Object.fromEntries(props.map((p) => [p, (lead as unknown as Record<string, unknown>)[p]]));
    expect(fields(answered)).toEqual(fields(made));
    expect(answered).toBeInstanceOf(Lead);
    expect(answered.status).toBe('new');
    expect((await rows(data.id))[0]).toEqual([{ name: data.name, email: null, status: 'new', same_times: true }]);
  });

  it('an insert text per shape, kept: which defaulted columns are left to their default, where its marks start, its guard', () => {
    const em = db.em();
    const lead = (status?: string) => Object.assign(new Lead(), { name: 'Shape', status, createdById: null });
    const text = (entity: Lead, before: unknown[] = [], guard?: string) => {
      const values = [...before];
      const [cte] = insertsOf(em, [entity], values, guard);
      return { cte, values: values.slice(before.length) };
    };
    const set = text(lead('qualified'));
    const unset = text(lead());
    // The status column is written, or left to its default: two shapes, each its own text.
    expect(set.cte).toContain('"status"');
    expect(unset.cte).not.toContain('"status"');
    expect(set.values).toHaveLength(unset.values.length + 1);
    expect(set.values).toContain('qualified');
    // The same shape again: the same text, with this entity's values.
    const again = text(Object.assign(lead('lost'), { name: 'Again' }));
    expect(again.cte).toBe(set.cte);
    expect(again.values).toContain('lost');
    expect(again.values).toContain('Again');
    // Marks numbered from where the values start; a guard in the text.
    const after = text(lead('qualified'), ['guarded id'], 'exists (select 1 from crm.leads where id = $1)');
    expect(after.cte).toContain(`select $2, `);
    expect(after.cte).toContain(`where exists (select 1 from crm.leads where id = $1) returning 1`);
    expect(after.cte).not.toBe(set.cte);
    expect(set.cte).toMatch(/values \(\$1, /);
  });
});
