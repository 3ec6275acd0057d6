// ESLint for the whole repository (issue 13 part 5): typescript-eslint's type-checked
// recommended rules, style left to Prettier (eslint-config-prettier turns ESLint's off).
// Every rule turned off or relaxed below says why on its line.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'coverage/', '.bench/', '.cluster/', 'test/.artifacts/', 'libs/client/src/schema.d.ts'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      // Each file is checked with the tsconfig nearest to it: the root one, bench/'s, the dashboard's.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Off: an `async` method without `await` is deliberate here (Nest hooks and handlers, interface
      // methods returning a Promise): dropping `async` would turn its throws into synchronous ones.
      '@typescript-eslint/require-await': 'off',
      // A leading underscore names a value left unused on purpose (an omitted property, a required parameter).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // Tests and the benchmark read untyped data (JSON bodies, mocks' calls, EXPLAIN output, autocannon's
    // results) and check it with expect() or print it: typing every read would add casts, not safety.
    files: ['test/**', 'bench/**', '**/*.spec.ts', '**/*.fixture.ts', '**/*.shared-spec.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // They print and match what they read as it comes (log lines' fields, generated SQL, examples): String() is the intent.
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
    },
  },
  {
    // The typed config classes: `class XConfig` merged with `interface XConfig extends z.infer<…> {}`
    // so an instance carries every validated variable, typed (the interface adds no members on purpose).
    files: ['apps/*/src/config/*.config.ts'],
    rules: { '@typescript-eslint/no-unsafe-declaration-merging': 'off', '@typescript-eslint/no-empty-object-type': 'off' },
  },
  {
    // These patterns exist to find control characters in names and texts (stored-XSS and forged-line guards).
    files: ['apps/crm-api/src/common/fields.ts'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    // The dashboard's browser modules: DOM globals, no Node ones.
    files: ['apps/crm-api/src/dashboard/web/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Plain CommonJS scripts (scripts/, test helpers run by node): no tsconfig includes them.
    files: ['**/*.js', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  prettier,
);
