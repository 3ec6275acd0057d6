import { randomUUID } from 'node:crypto';
import { visibleIdsSql } from '../../apps/crm-api/src/auth/policy';
import { RecordRefsRepository } from '../../apps/crm-api/src/auth/record-refs.repository';
import { mediumDatabase } from './database';

/** The Policy's own subqueries (visibleIdsSql) run against real leads and contacts. */
describe('RecordRefsRepository (PostgreSQL)', () => {
  const db = mediumDatabase();
  const repo = () => new RecordRefsRepository(db.em());
  let ann: string;
  let bob: string;
  beforeAll(async () => {
    [ann, bob] = [await db.user(), await db.user()];
  });
  async function lead(createdBy: string, assignedTo: string | null): Promise<string> {
    const id = randomUUID();
    await db.sql('insert into crm.leads (id, name, assigned_to_id, created_by_id) values (?, ?, ?, ?)', [id, 'Acme', assignedTo, createdBy]);
    return id;
  }

  it('readableExists: a record exists for whoever reads all; for a rep in `own` mode only when it is theirs or linked to theirs', async () => {
    const bobs = await lead(bob, null);
    const assignedToAnn = await lead(bob, ann);
    const contactOfAnns = randomUUID();
    await db.sql('insert into crm.contacts (id, name, lead_id, created_by_id) values (?, ?, ?, ?)', [contactOfAnns, 'Zoë', assignedToAnn, bob]);
    expect(await repo().readableExists('lead', bobs, null)).toBe(true);
    expect(await repo().readableExists('lead', bobs, visibleIdsSql('lead', ann))).toBe(false);
    expect(await repo().readableExists('lead', assignedToAnn, visibleIdsSql('lead', ann))).toBe(true);
    expect(await repo().readableExists('contact', contactOfAnns, visibleIdsSql('contact', ann))).toBe(true);
    expect(await repo().readableExists('lead', randomUUID(), null)).toBe(false);
  });

  it("owned: the columns that make a record someone's, or null when it does not exist or is hidden", async () => {
    const id = await lead(bob, ann);
    await expect(repo().owned('lead', id, null)).resolves.toEqual({ id, createdById: bob, assignedToId: ann });
    await expect(repo().owned('lead', id, visibleIdsSql('lead', ann))).resolves.toEqual({ id, createdById: bob, assignedToId: ann });
    const hidden = await lead(bob, null);
    await expect(repo().owned('lead', hidden, visibleIdsSql('lead', ann))).resolves.toBeNull();
    await expect(repo().owned('lead', randomUUID(), null)).resolves.toBeNull();
  });
});
