/**
 * Three passes over one set of tests (`npx jest --selectProjects sqlite`, `postgresql` or `redis-cluster` runs one):
 * - sqlite: every test but the Redis Cluster ones, on copies of a migrated SQLite template, against single
 *   redis-servers;
 * - postgresql: the tests that use a database (app integration tests, tests/integration/prisma), on
 *   copies of a template database in a throwaway PostgreSQL cluster its globalSetup starts;
 * - redis-cluster: the tests that make sense on a Redis Cluster (3 masters, 1 replica each, on
 *   loopback ports, one cluster per test file), on SQLite.
 * Tests read their pass from the `TEST_DATABASE_PROVIDER` and `TEST_REDIS_TOPOLOGY` globals
 * (tests/example/support/database.ts, tests/example/support/test-redis.ts).
 * @type {import('jest').Config}
 */
const sqlite = {
  displayName: 'sqlite',
  globals: { TEST_DATABASE_PROVIDER: 'sqlite' },
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // The library's own name and subpaths, from its sources (as tsconfig.json's paths say).
  moduleNameMapper: {
    '^cachedrepo$': '<rootDir>/src/index.ts',
    '^cachedrepo/(testing|prisma|settings|tsyringe|decorators|capture|ids)$': '<rootDir>/src/$1/index.ts',
    '^cachedrepo/cluster$': '<rootDir>/src/redis/cluster/index.ts',
  },
  // superjson and its dependencies ship ES modules only: let ts-jest turn them into CommonJS.
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true }, diagnostics: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(superjson|copy-anything|is-what)/)'],
  globalSetup: '<rootDir>/tests/example/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/example/support/global-teardown.ts',
};

/** Tests that start Redis Clusters of their own: the redis-cluster pass runs them, the others do not. */
const CLUSTER_ONLY = ['/tests/integration/redis/cluster/', '/tests/example/integration/cluster/'];
/** Change capture from PostgreSQL (a server of their own, with logical decoding): the postgresql pass runs them. */
const POSTGRES_CAPTURE = '/tests/integration/capture/postgres-';
sqlite.testPathIgnorePatterns = ['/node_modules/', ...CLUSTER_ONLY, POSTGRES_CAPTURE];

/**
 * The redis-cluster pass. Tests written on `useRedisCache` (tests/support/cache.ts)
 * get the same fixture on a cluster: the moduleNameMapper below swaps that module for
 * tests/example/support/cluster-cache-fixture.ts. Tests written on `startTestRedis`
 * (tests/example/support/test-redis.ts) ask the `TEST_REDIS_TOPOLOGY` global.
 * @type {import('jest').Config}
 */
const redisCluster = {
  ...sqlite,
  displayName: 'redis-cluster',
  globals: { TEST_DATABASE_PROVIDER: 'sqlite', TEST_REDIS_TOPOLOGY: 'cluster' },
  roots: ['<rootDir>/tests/integration', '<rootDir>/tests/example/integration'],
  moduleNameMapper: {
    '^(?:\\.\\./)+support/cache$': '<rootDir>/tests/example/support/cluster-cache-fixture.ts',
    ...sqlite.moduleNameMapper,
  },
  // Standalone by nature, or not about Redis: each with why it does not run on a cluster.
  testPathIgnorePatterns: [
    '/node_modules/',
    // No Redis at all (databases, schema extension conformance, pure functions): the sqlite pass covers them.
    '/tests/integration/prisma/',
    '/tests/example/integration/databases/',
    '/tests/example/integration/extension/book-strategy-conformance.test.ts',
    '/tests/example/integration/services/sm2.test.ts',
    // Restart / RDB restore / OOM / a foreign or lost marker of ONE server (restore/*): restore
    // detection on a cluster is per master and covered by cluster/restore-detection.test.ts,
    // cluster/cache-service.test.ts (a promoted replica) and tests/example/integration/cluster/.
    '/tests/example/integration/restore/',
    // TCP-proxy fault injection on one connection (a pause, a cut): a cluster client holds one
    // connection per node; node loss is covered by cluster/failover-reads.test.ts.
    '/tests/example/integration/resilience/fault-injection.test.ts',
    '/tests/example/integration/outbox/redis-outage.test.ts',
    '/tests/example/integration/outbox/partitioned-writer.test.ts',
    // TLS and ACL of one redis-server: a TLS cluster is covered by cluster/cluster-client.test.ts.
    '/tests/integration/redis/security/tls.test.ts',
    '/tests/integration/redis/security/acl.test.ts',
    // Kills and restarts the one redis-server (`server.restart`): node loss and restarts on a
    // cluster are covered by cluster/failover-reads.test.ts and cluster/restore-detection.test.ts.
    '/tests/example/integration/redis-down.test.ts',
    // Start a redis-server of their own (startRedisServer), so they would run standalone again
    // here: the sqlite pass runs them. Their cluster counterparts: tests/example/integration/cluster/
    // (the container and admin API from REDIS_CLUSTER_NODES; four processes through a failover).
    '/tests/example/integration/extension/',
    '/tests/example/integration/consistency/randomized-concurrency.test.ts',
    '/tests/example/integration/consistency/two-process.test.ts',
    '/tests/example/integration/container.test.ts',
    '/tests/example/integration/http/',
    // Near-cache tests start their own standalone redis-server (startRedisServer); their cluster
    // counterparts are tests/integration/redis/cluster/near-cache*.test.ts.
    '/near-cache/',
    // Change capture starts its own redis-server; its cluster counterpart is
    // tests/integration/redis/cluster/change-capture.test.ts (keys on 3 masters, the prefix cleared on each).
    '/capture/',
    // The blog example starts its own redis-server and change capture, like capture/ above.
    '/tests/example/integration/blog/',
  ],
};

/** @type {import('jest').Config} */
const postgresql = {
  ...sqlite,
  displayName: 'postgresql',
  globals: { TEST_DATABASE_PROVIDER: 'postgresql' },
  roots: [
    '<rootDir>/tests/integration/prisma',
    '<rootDir>/tests/integration/capture',
    '<rootDir>/tests/example/integration',
  ],
  // extension/ builds its own SQLite project (its own schema and client): nothing there uses the pass's database.
  // SQLite's change capture is the sqlite pass's.
  testPathIgnorePatterns: [
    '/node_modules/',
    '/tests/example/integration/extension/',
    '/tests/integration/capture/sqlite-',
    ...CLUSTER_ONLY,
  ],
  globalSetup: '<rootDir>/tests/example/integration/databases/support/postgres-global-setup.ts',
  globalTeardown: '<rootDir>/tests/example/integration/databases/support/postgres-global-teardown.ts',
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  // Exit once the tests and global teardowns are done, even if a connection was left open: one
  // full run in three (2026-11-22) had all 589 tests pass and then kept reconnecting a client
  // nobody closed, which would hang CI. The leak is not found yet; with forceExit, jest prints
  // "Force exiting Jest" after every run, leak or not: look for it with --detectOpenHandles.
  forceExit: true,
  projects: [sqlite, postgresql, redisCluster],
};
