/** @type {import('jest').Config} */
module.exports = {
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
  testTimeout: 30000,
};
