/**
 * Two passes over one set of tests (`npx jest --selectProjects sqlite` or `postgresql` runs one):
 * - sqlite: every test, on copies of a migrated SQLite template;
 * - postgresql: the tests that use a database (app integration tests, packages/prisma tests), on
 *   copies of a template database in a throwaway PostgreSQL cluster its globalSetup starts.
 * Tests read their pass from the `TEST_DATABASE_PROVIDER` global (app/tests/support/database.ts).
 * @type {import('jest').Config}
 */
const sqlite = {
  displayName: 'sqlite',
  globals: { TEST_DATABASE_PROVIDER: 'sqlite' },
  testEnvironment: 'node',
  roots: ['<rootDir>/packages/core/tests', '<rootDir>/packages/prisma/tests', '<rootDir>/app/tests'],
  testMatch: ['**/*.test.ts'],
  // The workspace packages, from their sources (as tsconfig.json's paths say).
  moduleNameMapper: {
    '^@cachedrepo/core$': '<rootDir>/packages/core/src/index.ts',
    '^@cachedrepo/core/testing$': '<rootDir>/packages/core/src/testing/index.ts',
    '^@cachedrepo/prisma$': '<rootDir>/packages/prisma/src/index.ts',
    '^@cachedrepo/example-app$': '<rootDir>/app/src/index.ts',
  },
  // superjson and its dependencies ship ES modules only: let ts-jest turn them into CommonJS.
  transform: { '^.+\\.[tj]s$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true }, diagnostics: false }] },
  transformIgnorePatterns: ['/node_modules/(?!(superjson|copy-anything|is-what)/)'],
  globalSetup: '<rootDir>/app/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/app/tests/support/global-teardown.ts',
};

/** @type {import('jest').Config} */
const postgresql = {
  ...sqlite,
  displayName: 'postgresql',
  globals: { TEST_DATABASE_PROVIDER: 'postgresql' },
  roots: ['<rootDir>/packages/prisma/tests', '<rootDir>/app/tests/integration'],
  // extension/ builds its own SQLite project (its own schema and client): nothing there uses the pass's database.
  testPathIgnorePatterns: ['/node_modules/', '/app/tests/integration/extension/'],
  globalSetup: '<rootDir>/app/tests/integration/databases/support/postgres-global-setup.ts',
  globalTeardown: '<rootDir>/app/tests/integration/databases/support/postgres-global-teardown.ts',
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  projects: [sqlite, postgresql],
};
