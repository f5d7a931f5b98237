import { ConfigError } from '../../../../src/errors';
import { loadSettings } from '../../../../example/config/settings';

describe('loadSettings', () => {
  it('gives the documented defaults (TTLs in seconds, timeouts in milliseconds)', () => {
    const settings = loadSettings({});
    expect(settings.redis).toMatchObject({
      url: 'redis://127.0.0.1:6379',
      enabled: true,
      socketTimeoutMs: 2000,
      commandTimeoutMs: 500,
      maxConnections: 1,
    });
    expect(settings.cache).toMatchObject({
      keyPrefix: 'cache',
      defaultTtlSeconds: 3600,
      heroTtlSeconds: 3600,
      childTtlSeconds: 1800,
      storyTtlSeconds: 600,
      deckListTtlSeconds: 300,
      deckDetailTtlSeconds: 600,
      cardTtlSeconds: 300,
      negativeTtlSeconds: 30,
    });
    expect(settings.databaseUrl).toBe('file:./data/dev.db');
  });

  it('reads values and booleans in their usual spellings', () => {
    const settings = loadSettings({
      REDIS_ENABLED: 'No',
      CACHE_HERO_TTL: '60',
      REDIS_URL: 'rediss://h:6380',
      CACHE_DISABLED_ENTITIES: 'story, Card',
    });
    expect(settings.redis.enabled).toBe(false);
    expect(settings.cache.heroTtlSeconds).toBe(60);
    expect(settings.redis.url).toBe('rediss://h:6380');
    expect([...settings.cache.disabledEntities]).toEqual(['story', 'card']);
  });

  it('names every bad variable and what it expects, in one error', () => {
    let error: unknown;
    try {
      loadSettings({
        CACHE_HERO_TTL: 'abc',
        CACHE_CHILD_TTL: '-5',
        REDIS_ENABLED: 'maybe',
        REDIS_URL: 'http://x',
        CACHE_KEY_PREFIX: 'a b',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, code } = error as ConfigError;
    expect(code).toBe('E_CONFIG_INVALID');
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/CACHE_HERO_TTL="abc": expected a whole number of seconds/);
    expect(problems.join('\n')).toMatch(/CACHE_CHILD_TTL="-5": expected at least 1 seconds/);
    expect(problems.join('\n')).toMatch(/REDIS_ENABLED="maybe": expected true or false/);
    expect(problems.join('\n')).toMatch(/REDIS_URL=\(value hidden\): expected a URL/);
    expect(problems.join('\n')).toMatch(/CACHE_KEY_PREFIX="a b": expected 1 to 64 characters/);
  });

  it('never prints the password or URL credentials', () => {
    expect(() => loadSettings({ REDIS_URL: 'redis://user:s3cret@', REDIS_PASSWORD: 's3cret' })).toThrow(ConfigError);
    try {
      loadSettings({ REDIS_URL: 'redis://user:s3cret@', REDIS_PASSWORD: 's3cret' });
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret');
    }
  });
});
