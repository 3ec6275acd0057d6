import { cleanupRun } from './resources';

/** Runs after the e2e files, passed or failed: drops the run's databases, deletes its vhosts. */
export default async function globalTeardown(): Promise<void> {
  await cleanupRun(process.env.TEST_RUN_DIR, (m) => process.stderr.write(`[e2e] ${m}\n`));
}
