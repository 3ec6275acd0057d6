import { createStack, dropDatabase, deleteVhost, Stack } from '../support/resources';
import { testEnv } from './env';

export interface IsolatedStack extends Stack {
  /** Env for startApi/startLogger pointing at this stack. */
  env: { DATABASE_URL: string; AMQP_URL: string };
  destroy(): Promise<void>;
}

/**
 * A database and vhost of the file's own, migrated, for tests that must control every
 * consumer (stop the only logger, cut its line): on the shared per-run stack, other
 * files' loggers compete for the same queue. Recorded in the run, so the global
 * teardown removes it even if the file never gets to destroy() it.
 */
export async function isolatedStack(): Promise<IsolatedStack> {
  const stack = await createStack(testEnv().runDir, 'crm_test');
  return {
    ...stack,
    env: { DATABASE_URL: stack.databaseUrl, AMQP_URL: stack.amqpUrl },
    destroy: async () => {
      await dropDatabase(stack.name);
      await deleteVhost(stack.name);
    },
  };
}
