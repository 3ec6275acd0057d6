/** What the e2e global setup made for this run (see test/support/global-setup.ts). */
export interface TestEnv {
  runDir: string;
  name: string;
  databaseUrl: string;
  amqpUrl: string;
  admin: { email: string; password: string };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the e2e tests through jest's e2e project (npm test)`);
  return value;
}

export function testEnv(): TestEnv {
  return {
    runDir: required('TEST_RUN_DIR'),
    name: required('TEST_DB_NAME'),
    databaseUrl: required('TEST_DATABASE_URL'),
    amqpUrl: required('TEST_AMQP_URL'),
    admin: { email: required('TEST_ADMIN_EMAIL'), password: required('TEST_ADMIN_PASSWORD') },
  };
}
