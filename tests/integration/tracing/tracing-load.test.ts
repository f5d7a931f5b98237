import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { useRedisCache } from '../../support/cache';

// @opentelemetry/api is an optional peer: a CacheService loads it only when tracing is turned on.
describe('tracing off by default', () => {
  const fixture = useRedisCache();

  const run = (tracing: 'on' | 'off'): { before: boolean; after: boolean } =>
    JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'support', 'otel-loaded.ts'), tracing], {
        env: { ...process.env, REDIS_URL: fixture.server.url },
        encoding: 'utf8',
        timeout: 60_000,
      }),
    ) as { before: boolean; after: boolean };

  it('never loads @opentelemetry/api without the option, and loads it with', () => {
    expect(run('off')).toEqual({ before: false, after: false });
    expect(run('on')).toEqual({ before: false, after: true });
  });

  it('gives cached repositories no watch while the auditor and tracing are off', () => {
    const { cache } = fixture;
    expect(
      cache.watches.watchFor('book', { serialize: String, deserialize: String }, null, cache.stats.for('book')),
    ).toBeNull();
  });
});
