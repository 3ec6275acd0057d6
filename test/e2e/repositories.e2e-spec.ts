import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Contact } from '../../apps/crm-api/src/contacts/contact.entity';
import { ContactsRepository } from '../../apps/crm-api/src/contacts/contacts.repository';
import type { Policy } from '../../apps/crm-api/src/auth/policy';
import { decodeCursor } from '../../apps/crm-api/src/common/cursor';
import type { Caller } from '../../apps/crm-api/src/common/request-context';
import { crmOrmConfig } from '../../apps/crm-api/src/database/orm.config';
import { LeadsRepository } from '../../apps/crm-api/src/leads/leads.repository';
import { OpportunitiesRepository } from '../../apps/crm-api/src/opportunities/opportunities.repository';
import { UsersRepository } from '../../apps/crm-api/src/users/users.repository';
import { testEnv } from '../utils';

jest.setTimeout(60_000);

/**
 * The repositories against the real PostgreSQL (the "medium" tier of issue 13 part 2):
 * what a mocked repository cannot show. The run's own database; each test makes its own rows.
 */
describe('record repositories on PostgreSQL', () => {
  let orm: MikroORM;
  let db: Client;
  const inContext = <T>(work: () => Promise<T>) => RequestContext.create(orm.em, work);
  const repos = () => ({
    leads: new LeadsRepository(orm.em),
    contacts: new ContactsRepository(orm.em),
    opportunities: new OpportunitiesRepository(orm.em),
    users: new UsersRepository(orm.em),
  });
  /** Access that reads and writes all (the Policy has its own tests). */
  const everyone = { policy: { readableIdsSql: () => null, assertWrite: () => undefined } as unknown as Policy, kind: 'lead' as const, caller: {} as Caller };
  const count = async (table: string, where: string, values: unknown[]) => Number((await db.query(`select count(*) from ${table} where ${where}`, values)).rows[0].count);

  beforeAll(async () => {
    orm = await MikroORM.init(crmOrmConfig(testEnv().databaseUrl, 2));
    db = new Client({ connectionString: testEnv().databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await orm?.close(true);
  });

  it('a locked change adding a contact and an opportunity that names it commits in the order the foreign keys need (no flush between)', async () => {
    const { leads, contacts, opportunities, users } = repos();
    const owner = await inContext(() => users.insert({ email: `${randomUUID()}@crm.test`, name: 'Owner', role: 'sales_rep', passwordHash: 'x' }));
    const lead = await inContext(() => leads.insertNew(() => leads.add({ name: 'Ada', status: 'new' })));
    const result = await inContext(() =>
      leads.changeLocked(lead.id, { ...everyone, write: 'convert' }, (locked) => {
        // Opportunity first on purpose: the unit of work, not the call order, decides.
        const contactId = randomUUID();
        const opportunity = opportunities.add({ name: 'Deal', ownerId: owner.id, contactId, leadId: locked.id });
        const contact = contacts.add({ id: contactId, name: locked.name, leadId: locked.id });
        locked.status = 'converted';
        locked.convertedContactId = contact.id;
        locked.convertedOpportunityId = opportunity.id;
        return { contact, opportunity };
      }),
    );
    expect(await count('crm.opportunities', 'id = $1 and contact_id = $2', [result.opportunity.id, result.contact.id])).toBe(1);
    expect(
      await count('crm.leads', `id = $1 and status = 'converted' and converted_contact_id = $2 and converted_opportunity_id = $3`, [
        lead.id,
        result.contact.id,
        result.opportunity.id,
      ]),
    ).toBe(1);
  });

  it("every commit is told to afterTransactionCommit subscribers (the outbox relay's wake-up), once what it wrote is visible: insertNew's one statement, a change's transaction, and a PATCH's one statement", async () => {
    const { leads } = repos();
    const seen: number[] = [];
    let probe: (() => Promise<number>) | undefined;
    // Registered after the ORM started (the relay's is there before any request): forks made from now on carry it.
    orm.em.getEventManager().registerSubscriber({ afterTransactionCommit: async () => void (probe && seen.push(await probe())) });
    const name = `told ${randomUUID()}`;
    probe = () => count('crm.leads', 'name = $1', [name]);
    const lead = await inContext(() => leads.insertNew(() => leads.add({ name, status: 'new' })));
    expect(seen).toEqual([1]); // told once, its row visible from another connection
    probe = () => count('crm.leads', `id = $1 and status = 'disqualified'`, [lead.id]);
    await inContext(() => leads.changeLocked(lead.id, { ...everyone, write: 'update' }, (locked) => void (locked.status = 'disqualified')));
    expect(seen).toEqual([1, 1]); // told at the change's commit, the change visible
    probe = () => count('crm.leads', `id = $1 and status = 'contacted'`, [lead.id]);
    await inContext(() => leads.change(lead.id, { status: 'contacted' }, () => undefined));
    expect(seen).toEqual([1, 1, 1]); // a PATCH's one statement: told once, visible
    probe = undefined;
  });

  it('insertNewIfExists: nothing is written, and a 404 names the record, when it is gone', async () => {
    const { contacts, leads } = repos();
    const missing = randomUUID();
    const name = `ghost ${missing}`;
    await expect(inContext(() => leads.insertNewIfExists(missing, () => contacts.add({ name })))).rejects.toMatchObject({ code: 'not_found' });
    expect(await count('crm.contacts', 'name = $1', [name])).toBe(0);
  });

  it('pages newest first by (created_at, id), the cursor continuing strictly after the last row', async () => {
    const { contacts } = repos();
    const tag = randomUUID();
    const at = new Date();
    const made = await inContext(() => contacts.insertNew(() => [1, 2, 3].map((i) => contacts.add({ name: `${tag} ${i}`, company: tag, createdAt: at, updatedAt: at }))));
    const first = await inContext(() => contacts.page({ company: tag }, { limit: 2 }));
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const ids = [...made.map((c: Contact) => c.id)].sort().reverse();
    expect(first.items.map((c) => c.id)).toEqual(ids.slice(0, 2));
    const second = await inContext(() => contacts.page({ company: tag }, { limit: 2, cursor: decodeCursor(first.nextCursor!)! }));
    expect(second).toEqual({ items: [expect.objectContaining({ id: ids[2] })], nextCursor: null });
  });
});
