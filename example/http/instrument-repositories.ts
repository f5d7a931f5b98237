import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { CacheMetrics } from './metrics';

/** Read methods timed per entity type: the repository port's finders. */
const READS = /^find/;

/**
 * Re-registers each repository token of `container` with a proxy that times its reads
 * (`find*`) into `cache_read_duration_seconds{type, source="repository"}`. Everything else is
 * passed through to the repository itself (bound to it, so private fields keep working), and
 * `isCached` still sees a cached repository. Call it before anything resolves the tokens:
 * services built later get the timed repositories.
 */
export function instrumentRepositories(
  container: DependencyContainer,
  tokens: Readonly<Record<string, InjectionToken<object>>>,
  metrics: CacheMetrics,
): void {
  for (const [entityType, token] of Object.entries(tokens)) {
    const repository = container.resolve(token);
    container.register(token, { useValue: timed(repository, entityType, metrics) });
  }
}

function timed<R extends object>(repository: R, entityType: string, metrics: CacheMetrics): R {
  return new Proxy(repository, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (typeof property !== 'string' || !READS.test(property))
        return (...args: unknown[]): unknown => (value as (...a: unknown[]) => unknown).apply(target, args);
      return async (...args: unknown[]): Promise<unknown> => {
        const started = performance.now();
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          metrics.observeRead(entityType, 'repository', (performance.now() - started) / 1000);
        }
      };
    },
  });
}
