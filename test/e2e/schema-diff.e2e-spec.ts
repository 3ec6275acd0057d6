import { MikroORM } from '@mikro-orm/postgresql';
import { crmOrmConfig } from '../../apps/crm-api/src/database/orm.config';
import { migrateCrm } from '../../apps/crm-api/src/database/migrate';
import { testEnv } from '../utils';

jest.setTimeout(120_000);

/**
 * crm-api's migrations are written by hand; its entities are what MikroORM's unit of
 * work writes through. This keeps the two from drifting: on the harness's database
 * (fresh for this run, migrated by crm-api's `migrate`, which runs again here and must
 * find nothing left to apply), the schema MikroORM derives from the entities must be
 * the one the migrations built, so `getUpdateSchemaSQL()` has nothing to say.
 */
describe('crm-api schema: migrations and entities agree', () => {
  let orm: MikroORM;

  beforeAll(async () => {
    expect(await migrateCrm(testEnv().databaseUrl)).toEqual([]);
    orm = await MikroORM.init(crmOrmConfig(testEnv().databaseUrl, 1));
  });
  afterAll(() => orm?.close(true));

  it('the entities need no change of the migrated schema', async () => {
    // dropTables: false: tables crm-api keeps with raw SQL only (sessions, login failures,
    // idempotency keys, the migrations' own table) have no entity, by design, and would
    // otherwise read as tables to drop. Everything else (columns, types, nullability,
    // defaults, foreign keys and their rules, indexes) is compared.
    const sql = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false, dropTables: false });
    const pending = sql
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    expect(pending).toEqual([]);
  });
});
