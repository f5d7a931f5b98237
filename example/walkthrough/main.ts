import 'reflect-metadata';
import { errors } from 'cachedrepo';
import { freePort } from 'cachedrepo/testing';
import { cachedDataLayer, dataLayer, prepareDatabase, provideRedis } from './environment';
import { scenarioCapture } from './capture-scenario';
import { heading, line } from './report';
import { scenarioCaching } from './caching-scenario';
import { scenarioBaseline, scenarioDegradation, scenarioInvalidation } from './scenarios';

/**
 * `npm run example`: seeds a real SQLite database, then shows on a real Redis the four
 * scenarios of the source documents: baseline, misses then hits, invalidation after writes,
 * and the application working on with Redis gone; between them a study session (decorated
 * services) and writes made outside the repositories, invalidated by change capture.
 */
async function main(): Promise<void> {
  heading('@cachedrepo example');
  const databaseUrl = process.env.EXAMPLE_DATABASE_URL ?? 'file:./data/example.db';
  const redis = await provideRedis();
  try {
    const seed = await prepareDatabase(databaseUrl);
    const { counts } = seed;
    line(
      `Database: ${databaseUrl} migrated and seeded in ${seed.durationMs.toFixed(0)} ms: ` +
        `${counts.heroes} heroes, ${counts.children} children, ${counts.stories} stories, ` +
        `${counts.decks} decks, ${counts.cards} cards, ${counts.users} learners with ` +
        `${counts.reviews} reviews.`,
    );

    const plain = dataLayer({ REDIS_ENABLED: 'false', DATABASE_URL: databaseUrl });
    const cached = await cachedDataLayer({
      REDIS_URL: redis.url,
      DATABASE_URL: databaseUrl,
      CACHE_KEY_PREFIX: 'example',
    });
    try {
      const baseline = await scenarioBaseline(plain.container, seed);
      // The Redis-hit column is measured without near caches, so that it times Redis hits only.
      const redisOnly = await cachedDataLayer({
        REDIS_URL: redis.url,
        DATABASE_URL: databaseUrl,
        CACHE_KEY_PREFIX: 'example',
        CACHE_NEAR_CACHE_ENABLED: 'false',
      });
      try {
        await scenarioCaching(cached.container, redisOnly.container, seed, baseline);
      } finally {
        await redisOnly.layer.close();
      }
      await scenarioInvalidation(cached.container, seed);
      await (await import('./study-scenario')).scenarioStudy(cached.container, seed);
      // Change capture runs for this scenario, whose deleted deck takes its cards with it (ON DELETE CASCADE).
      await scenarioCapture(cached.container, cached.layer, databaseUrl, seed);
      if (redis.owned) {
        const server = redis.owned;
        await scenarioDegradation(cached.container, plain.container, seed, async () => {
          server.signal('SIGKILL');
          return (
            `The example's redis-server (${server.url}) was killed with SIGKILL; the same repositories ` +
            `keep serving.`
          );
        });
      } else {
        const unreachable = await cachedDataLayer({
          REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
          DATABASE_URL: databaseUrl,
        });
        try {
          await scenarioDegradation(
            unreachable.container,
            plain.container,
            seed,
            async () => 'Repositories configured with a Redis URL where nothing listens.',
          );
        } finally {
          await unreachable.layer.close();
        }
      }
    } finally {
      await cached.layer.close();
      await plain.layer.close();
    }
  } finally {
    if (redis.owned) {
      await redis.owned.stop();
      line(`\nStopped the example's redis-server.`);
    }
  }
  line(process.exitCode ? '\nSome checks FAILED (see above).' : '\nAll checks passed.');
}

main().catch((error: unknown) => {
  if (error instanceof errors.ConfigError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
