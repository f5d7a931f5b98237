import type { Redis } from 'ioredis';
import { CacheService } from '../../../../src/protocol/cache-service';
import { redactingLogger, ThrottledErrorLog } from '../../../../src/observability/cache-logger';
import {
  createRedisClient,
  redactorOf,
  waitUntilReady,
  type RedisConnectionOptions,
} from '../../../../src/redis/redis-client';
import { get, MemoryLogger, put } from '../../../support/cache';
import { until } from '../../../support/wait';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';

const PASSWORD = 's3cret';
const WRONG = 'wr0ng-Passw0rd';
const ADMIN_PASSWORD = 'adm1n-pw';
/** What must never appear in a log line or an error. */
const SECRETS = [PASSWORD, WRONG, ADMIN_PASSWORD];

/** Everything a log line or error holds, own non-enumerable properties (message, stack) included. */
function dump(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner instanceof Error
      ? Object.fromEntries(
          Object.getOwnPropertyNames(inner).map((name) => [name, (inner as unknown as Record<string, unknown>)[name]]),
        )
      : inner,
  );
}

function expectNoSecret(value: unknown): void {
  const text = dump(value);
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('Redis ACL user and password', () => {
  let server: RedisServerHandle;
  const clients: Redis[] = [];
  const services: CacheService[] = [];

  /** A CacheService over createRedisClient, logging to memory; errors the client emits are kept. */
  function open(options: Partial<RedisConnectionOptions>): {
    cache: CacheService;
    logger: MemoryLogger;
    emitted: unknown[];
  } {
    const redis = createRedisClient({ url: server.url, commandTimeoutMs: 1000, connectTimeoutMs: 1000, ...options });
    const emitted: unknown[] = [];
    redis.on('error', (error: unknown) => emitted.push(error));
    const logger = new MemoryLogger();
    const cache = new CacheService(redis, { logger, keyPrefix: 'acl' });
    clients.push(redis);
    services.push(cache);
    return { cache, logger, emitted };
  }

  beforeAll(async () => {
    // redis 7.0 takes ACL rules on the command line: `--user <name> <rule> <rule>...`, one argument per rule.
    server = await startRedisServer([
      ...['--user', 'alice', 'on', `>${PASSWORD}`, '~*', '&*', '+@all'],
      ...['--user', 'admin', 'on', `>${ADMIN_PASSWORD}`, '~*', '&*', '+@all'],
      ...['--user', 'default', 'off'],
    ]);
  });
  afterAll(async () => {
    await Promise.all(services.map((service) => service.close()));
    for (const client of clients) client.disconnect();
    // ioredis arms a 2 s timer when it closes a client whose socket is already gone (AbstractConnector#disconnect): let
    // it run out so jest exits at once.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await server?.stop();
  });

  it.each([
    ['username and password options', (url: string) => ({ url, username: 'alice', password: PASSWORD })],
    ['credentials in the URL', (url: string) => ({ url: url.replace('redis://', `redis://alice:${PASSWORD}@`) })],
    [
      'a URL user with the password option',
      (url: string) => ({ url: url.replace('redis://', 'redis://alice@'), password: PASSWORD }),
    ],
    [
      'options that override wrong URL credentials',
      (url: string) => ({
        url: url.replace('redis://', `redis://mallory:${WRONG}@`),
        username: 'alice',
        password: PASSWORD,
      }),
    ],
    [
      'a percent-encoded URL password',
      (url: string) => ({ url: url.replace('redis://', `redis://alice:${encodeURIComponent(PASSWORD)}@`) }),
    ],
  ])('authenticates as the ACL user with %s', async (_name, options) => {
    const { cache, logger } = open(options(server.url));
    expect(await cache.waitUntilReady(3000)).toBe(true);
    expect(await put(cache, 'k', 'v', 60)).toBe(true);
    expect(await get(cache, 'k')).toBe('v');
    expect(await cache.invalidate(['k'])).toBe(true);
    expect(await get(cache, 'k')).toBeNull();
    expect(cache.health().errors).toBe(0);
    expect(logger.lines.filter((line) => line.level !== 'debug')).toEqual([]);
  });

  it('the server refuses a client without credentials (the default user is off)', async () => {
    const { cache } = open({});
    expect(await get(cache, 'k')).toBeNull();
    expect(await put(cache, 'k', 'v', 60)).toBe(false);
    // Never authenticated, the cache is never trusted: commands are not even sent.
    expect(cache.health()).toMatchObject({ breaker: 'open' });
    expect(cache.health().bypassed).toBeGreaterThan(0);
  });

  it.each([
    ['as options', (url: string) => ({ url, username: 'alice', password: WRONG })],
    ['in the URL', (url: string) => ({ url: url.replace('redis://', `redis://alice:${WRONG}@`) })],
  ])(
    'with a wrong password %s, every operation is a miss or a no-op, and no log line or error holds a password',
    async (_name, options) => {
      const { cache, logger, emitted } = open(options(server.url));
      expect(await cache.waitUntilReady(700)).toBe(false);
      const outcomes = [
        await put(cache, 'k', 'v', 60),
        await cache.clearNamespace('k'),
        await cache.read('k'),
        await cache.readMany(['k']),
        await cache.acquireLease('k', undefined),
        await cache.storeLeased('k', 'token', 'v', 60),
        await cache.invalidate(['k']),
      ];
      expect(outcomes).toEqual([false, 0, { kind: 'unavailable' }, [{ kind: 'unavailable' }], null, 'error', false]);
      // The refusal was logged (so the absence of a password below means something) and emitted.
      expect(dump(logger.lines)).toContain('WRONGPASS');
      expect(emitted.length).toBeGreaterThan(0);
      expect(dump(emitted)).toContain('WRONGPASS');
      expectNoSecret(logger.lines);
      expectNoSecret(emitted);
      expect(cache.health()).toMatchObject({ breaker: 'open', pendingInvalidations: 1 });
      expectNoSecret(cache.health());
    },
  );

  it(
    'redacts the AUTH command on an emitted error without breaking the real one: the client ' +
      'authenticates again once allowed',
    async () => {
      const { cache, emitted } = open({ username: 'alice', password: PASSWORD });
      expect(await cache.waitUntilReady(3000)).toBe(true);
      const admin = createRedisClient({ url: server.url, username: 'admin', password: ADMIN_PASSWORD });
      clients.push(admin);
      expect(await waitUntilReady(admin, 3000)).toBe(true);
      try {
        await admin.acl('SETUSER', 'alice', 'off');
        await admin.client('KILL', 'USER', 'alice');
        await until(() => emitted.some((error) => String(error).includes('WRONGPASS')), 3000, 'a WRONGPASS error');
        const refused = emitted.find((error) => String(error).includes('WRONGPASS')) as {
          command?: { name?: string; args?: unknown[] };
        };
        expect(refused.command).toEqual({ name: 'auth', args: ['alice', '***'] });
        expectNoSecret(emitted);
        await admin.acl('SETUSER', 'alice', 'on');
        expect(await cache.waitUntilReady(4000)).toBe(true);
        expect(await put(cache, 'again', 'v', 60)).toBe(true);
        expect(await get(cache, 'again')).toBe('v');
      } finally {
        await admin.acl('SETUSER', 'alice', 'on');
      }
    },
  );

  it('a client keeps its passwords, so the log of a cache service over it redacts them anywhere', async () => {
    const client = createRedisClient({
      url: `redis://alice:${encodeURIComponent('p@ss w0rd')}@127.0.0.1:1`,
      password: 'option-pw',
      connectTimeoutMs: 50,
      secrets: ['admin-t0ken'],
    });
    client.on('error', () => undefined);
    const cache = new CacheService(client, { logger: new MemoryLogger(), enabled: false });
    client.disconnect();
    const logger = new MemoryLogger();
    new ThrottledErrorLog(redactingLogger(logger, cache.redactor)).report(
      'op',
      new Error(
        `AUTH option-pw / p@ss w0rd / ${encodeURIComponent('p@ss w0rd')} / admin-t0ken / redis://bob:other@host`,
      ),
    );
    expect(logger.lines[0]?.details).toMatchObject({ error: 'AUTH *** / *** / *** / *** / redis://bob:***@host' });
    // Known to the instances given them, not to the process: another client's log keeps them.
    const other = createRedisClient({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 50 });
    other.on('error', () => undefined);
    other.disconnect();
    expect(redactorOf(other)?.secrets).toEqual([]);
    // An error the client emits loses the extra secret too.
    const seen: unknown[] = [];
    client.on('error', (error: unknown) => seen.push(error));
    client.emit('error', new Error('refused for admin-t0ken'));
    expect(String(seen[0])).toBe('Error: refused for ***');
    await cache.close();
  });

  it('an error thrown by createRedisClient for a bad URL holds no password', () => {
    let thrown: unknown;
    try {
      createRedisClient({ url: `redis://alice:${PASSWORD}@bad host:6379` });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expectNoSecret(thrown);
    expect(String(thrown)).toContain('Invalid URL');
  });
});
