import { Client } from 'pg';
import { CRM_MIGRATIONS } from '../../apps/crm-api/src/database/migrations';
import { ACTIVITY_MIGRATIONS } from '../../apps/activity-logger/src/database/migrations';
import { dropDatabase, newName, record, serverUrl } from '../support/resources';
import { runAppToExit, testEnv } from '../utils';

jest.setTimeout(300_000);

/** `main.js migrate` of one app on `databaseUrl`, to its exit. */
const migrateApp = (app: 'crm-api' | 'activity-logger', databaseUrl: string) =>
  runAppToExit(app, ['migrate'], { ...process.env, DATABASE_URL: databaseUrl }, 240_000, 'a migration should end');

/**
 * Replicas started together (compose --scale, several crm-apis) all migrate at start: on
 * a database that does not exist yet, each app's migrations must still apply once, every
 * process exiting 0 (both apps migrate under an advisory lock of their own).
 */
describe('migrations run by several replicas at once', () => {
  const name = newName('crm_test');
  const url = serverUrl(name);

  beforeAll(() => record(testEnv().runDir, { kind: 'database', name }));
  afterAll(() => dropDatabase(name));

  it('three crm-apis and three loggers migrating a new database together: all exit 0, each migration applied once', async () => {
    const runs = await Promise.all([...Array(3)].flatMap(() => [migrateApp('crm-api', url), migrateApp('activity-logger', url)]));
    // The output of each that failed, so a failure says why.
    expect(runs.filter((r) => r.code !== 0).map((r) => r.output)).toEqual([]);
    const db = new Client({ connectionString: url });
    await db.connect();
    try {
      const names = async (table: string) => (await db.query<{ name: string }>(`select name from ${table} order by name`)).rows.map((r) => r.name);
      expect(await names('crm.crm_migrations')).toEqual(CRM_MIGRATIONS.map((m) => m.name).sort());
      expect(await names('activity.activity_migrations')).toEqual(ACTIVITY_MIGRATIONS.map((m) => m.name).sort());
    } finally {
      await db.end();
    }
  });
});
