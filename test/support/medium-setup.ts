import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { cleanupRun, newName, openRun, record, ROOT, serverUrl } from './resources';

/**
 * Once per run of the medium project: a PostgreSQL database of its own (crm_medium_<random>),
 * recorded in the run directory before it exists (the teardown, or scripts/test.js after
 * a crash, drops it), made and migrated by crm-api's own `migrateCrm`, then the logger's
 * `migrateActivity` (schema activity, as in production both apps share the database),
 * both from the SOURCE (the medium tier tests the source's repositories, which a stale
 * dist/ would not match).
 * Test files find it in TEST_MEDIUM_DATABASE_URL.
 */
export default async function mediumSetup(): Promise<void> {
  const log = (m: string) => process.stderr.write(`[medium] ${m}\n`);
  const runDir = await openRun(log);
  try {
    const name = newName('crm_medium');
    record(runDir, { kind: 'database', name });
    const url = serverUrl(name);
    await migrateFromSource(url);
    process.env.TEST_MEDIUM_DATABASE_URL = url;
    log(`database ${name}`);
  } catch (err) {
    // Jest skips the teardown when the setup throws: clean up here.
    await cleanupRun(runDir, log).catch(() => undefined);
    throw err;
  }
}

/**
 * `migrateCrm(url)` then `migrateActivity(url)` (each: ensureDatabase, then its migrations
 * under its advisory lock) in one ts-node child.
 */
function migrateFromSource(url: string): Promise<void> {
  const crm = JSON.stringify(join(ROOT, 'apps/crm-api/src/database/migrate'));
  const activity = JSON.stringify(join(ROOT, 'apps/activity-logger/src/database/migrate'));
  const script = `const url = process.argv[1];
    require(${crm}).migrateCrm(url).then(() => require(${activity}).migrateActivity(url))
    .then(() => process.exit(0), (e) => { console.error(e.stack || e.message); process.exit(1); })`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', '-e', script, url], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the migrations (crm-api's, then the logger's) failed (exit ${code}):\n${output.slice(-4000)}`))));
  });
}
