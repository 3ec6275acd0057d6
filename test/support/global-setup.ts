import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupRun, createStack, openRun, ROOT } from './resources';

/**
 * Once per run of the e2e project: a database and a vhost of their own (crm_test_<random>),
 * migrated by both apps' `migrate`. Test files find them in the TEST_* variables, which
 * the workers inherit. Each file creates its own records, so files run side by side.
 */
export default async function globalSetup(): Promise<void> {
  for (const app of ['crm-api', 'activity-logger']) {
    if (!existsSync(join(ROOT, 'dist', 'apps', app, 'main.js')))
      throw new Error(`dist/apps/${app}/main.js is missing: the e2e tests run the built apps (\`npm test\` builds them; or run \`npm run build\`)`);
  }
  // The engines project shares this setup: when the e2e project's already ran in this
  // jest process, its database and vhost serve both.
  if (process.env.TEST_DB_NAME && process.env.TEST_RUN_DIR && existsSync(process.env.TEST_RUN_DIR)) return;
  const log = (m: string) => process.stderr.write(`[e2e] ${m}\n`);
  const runDir = await openRun(log);
  try {
    const stack = await createStack(runDir);
    process.env.TEST_DB_NAME = stack.name;
    process.env.TEST_VHOST = stack.name;
    process.env.TEST_DATABASE_URL = stack.databaseUrl;
    process.env.TEST_AMQP_URL = stack.amqpUrl;
    process.env.TEST_ADMIN_EMAIL = 'admin@crm.test';
    process.env.TEST_ADMIN_PASSWORD = `admin-${stack.name}`;
    process.stderr.write(`\n[e2e] database and vhost ${stack.name}; the apps' output goes to test/.artifacts/logs/${stack.name}/\n`);
  } catch (err) {
    // Jest skips the teardown when the setup throws: clean up here.
    await cleanupRun(runDir, log).catch(() => undefined);
    throw err;
  }
}
