import { PartitionKeeper } from './partition-keeper';

/** A fake database: which statements ran, whether the table is partitioned, which months exist. */
function fakeDb(partitioned: boolean, months: string[] = []) {
  const created: string[] = [];
  let connections = 0;
  const query = async (sql: string) => {
    if (sql.includes('relkind')) return { rows: [{ kind: partitioned ? 'p' : 'r' }] };
    if (sql.includes('pg_inherits')) return { rows: months.map((m) => ({ name: `interaction_log_y${m.slice(0, 4)}m${m.slice(5)}` })) };
    const m = /interaction_log_y(\d{4})m(\d{2})/.exec(sql);
    if (sql.startsWith('create table') && m) created.push(`${m[1]}-${m[2]}`);
    return { rows: [] };
  };
  const connect = async () => {
    connections++;
    return { query, release: () => undefined };
  };
  return { connect, created, connections: () => connections };
}

describe('PartitionKeeper', () => {
  const now = new Date('2026-11-30T12:00:00Z');

  it('creates the current month and two ahead once, then costs nothing for batches of those months', async () => {
    const db = fakeDb(true, ['2026-11']);
    const keeper = new PartitionKeeper(db.connect);
    await keeper.ensure(['2026-11-30T11:00:00Z'], now);
    expect(db.created).toEqual(['2026-12', '2027-01']);
    await keeper.ensure(['2026-11-30T11:59:00Z', '2026-12-01T00:00:00Z'], now);
    expect(db.connections()).toBe(1);
  });

  it('makes sure of a backdated month with every batch that has one (retention may have dropped it)', async () => {
    const db = fakeDb(true, ['2026-11', '2026-12', '2027-01']);
    const keeper = new PartitionKeeper(db.connect);
    await keeper.ensure(['2024-02-10T00:00:00Z'], now);
    await keeper.ensure(['2024-02-11T00:00:00Z'], now);
    expect(db.created).toEqual(['2024-02', '2024-02']);
  });

  it('does nothing on a table not partitioned yet (before the migration)', async () => {
    const db = fakeDb(false);
    const keeper = new PartitionKeeper(db.connect);
    await keeper.ensure(['2024-02-10T00:00:00Z'], now);
    await keeper.ensure(['2024-02-10T00:00:00Z'], now);
    expect(db.created).toEqual([]);
    expect(db.connections()).toBe(1); // looks again only after a second
  });

  it('forget(): looks at the table again at once, even within the second after it saw a plain table', async () => {
    let partitioned = false;
    const created: string[] = [];
    const keeper = new PartitionKeeper(async () => ({
      query: async (sql: string) => {
        if (sql.includes('relkind')) return { rows: [{ kind: partitioned ? 'p' : 'r' }] };
        if (sql.includes('pg_inherits')) return { rows: [] };
        if (sql.startsWith('create table')) created.push(/interaction_log_y(\d{4})m(\d{2})/.exec(sql)!.slice(1).join('-'));
        return { rows: [] };
      },
      release: () => undefined,
    }));
    await keeper.ensure(['2024-02-10T00:00:00Z'], now);
    partitioned = true; // the migration swapped the table in
    await keeper.ensure(['2024-02-10T00:00:00Z'], now);
    expect(created).toEqual([]); // still within the second: the insert would find no partition
    keeper.forget();
    await keeper.ensure(['2024-02-10T00:00:00Z'], now);
    expect(created).toEqual(['2024-02', '2026-11', '2026-12', '2027-01']);
  });
});
