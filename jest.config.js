// One jest config, the test tiers as projects (docs/testing.md): unit and service specs
// beside the code; medium, repositories against a PostgreSQL database of the run's own;
// the integration/end-to-end suites under test/ that run the built apps on the real
// PostgreSQL and RabbitMQ. 2 cores on the machine: at most 2 workers.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      target: 'es2022',
      keepClassNames: true,
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'commonjs' },
  },
];
// Pact's proxy agents (and their own dependencies) ship as ES modules only, which jest's CommonJS runtime cannot
// require on Node 20: swc compiles those packages like our own code.
const ESM_ONLY = ['https-proxy-agent', 'agent-base', 'proxy-agent-negotiate'];
const transform = { '^.+\\.ts$': swc, [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: swc };
const transformIgnorePatterns = [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`];
const moduleNameMapper = {
  '^@app/contracts(|/.*)$': '<rootDir>/libs/contracts/src$1',
  '^@app/platform(|/.*)$': '<rootDir>/libs/platform/src$1',
  '^@app/client(|/.*)$': '<rootDir>/libs/client/src$1',
};
module.exports = {
  maxWorkers: 2,
  // Per-project testTimeout is ignored by jest: the end-to-end suites need the global one.
  testTimeout: 120000,
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'],
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testEnvironment: 'node',
    },
    {
      // Repositories (and services over them) against the real PostgreSQL: one database
      // per run, made and migrated from the source by the global setup, dropped at the end.
      displayName: 'medium',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/medium/**/*.medium-spec.ts'],
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/support/medium-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      // Private engines (a RabbitMQ cluster, a PostgreSQL primary and replica) started
      // and stopped by the tests themselves: slow, so a project of their own
      // (`npx jest --selectProjects engines`); `npm test` and CI run them too.
      displayName: 'engines',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/engines/**/*.engines-spec.ts'],
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
