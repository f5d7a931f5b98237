import { randomBytes } from 'node:crypto';
import { trace, type Span, type SpanContext, type Tracer, type TracerProvider } from '@opentelemetry/api';
import {
  CachedRepository,
  CacheService,
  createRedisClient,
  waitUntilReady,
  type CacheServiceOptions,
} from 'cachedrepo';
import { heroCacheStrategy, PrismaHeroRepository, type Hero, type HeroRepository } from '../example';
import { benchHero } from './support/contenders';
import { benchLogger, startBenchEnvironment } from './support/environment';
import { interleaved } from './support/harness';
import { printTable } from './support/report';

/**
 * `npx tsx bench/watch-cost.ts`: what the watchers of issue 20 cost a sequential hit of one hero (Redis hit and
 * near-cache hit), each CacheService configured one way, in interleaved rounds:
 * - off (the default: no watch on the repository at all);
 * - the consistency auditor at a 1 % sample rate (its base reads are rate-limited and run behind the caller);
 * - tracing on while no TracerProvider is registered (spans are not recording: the read goes on unwatched);
 * - tracing on with a provider that records every span (a minimal one, below: no exporter, no batching).
 * Prints median, p99 and CPU per read, and each as a ratio to `off`.
 */

const ROUNDS = 16;
const PER_TURN = 400;

/** Records spans the cheapest way possible: the cost measured is the library's, not an SDK's. */
class CountingProvider implements TracerProvider {
  spans = 0;
  getTracer(): Tracer {
    const context: SpanContext = {
      traceId: randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
      traceFlags: 1,
    };
    const ended = (): void => void (this.spans += 1);
    const span = (spanContext: SpanContext): Span => {
      const self: Span = {
        spanContext: () => spanContext,
        setAttribute: () => self,
        setAttributes: () => self,
        addEvent: () => self,
        addLink: () => self,
        addLinks: () => self,
        setStatus: () => self,
        updateName: () => self,
        end: ended,
        isRecording: () => true,
        recordException: () => undefined,
      };
      return self;
    };
    return {
      startSpan: () => span(context),
      startActiveSpan: () => {
        throw new Error('not used');
      },
    } as Tracer;
  }
}

/** Measures the four variants of one kind of hit (Redis, or near cache) against a redis-server of their own. */
async function measure(nearCache: boolean): Promise<void> {
  const env = await startBenchEnvironment();
  const closers: (() => Promise<void>)[] = [];
  try {
    const plain = new PrismaHeroRepository(env.prisma);
    const hero = await plain.save(benchHero(0));
    const recording = new CountingProvider();
    const variants: Record<string, Omit<CacheServiceOptions, 'nearCache'>> = {
      off: {},
      'audit 1%': { audit: { sampleRate: 0.01 } },
      'tracing, no provider': { tracing: { enabled: true } },
      'tracing, recording': { tracing: { enabled: true, tracerProvider: recording } },
    };
    const kind = nearCache ? 'near-cache hit' : 'Redis hit';
    const contenders: { name: string; call: () => Promise<unknown> }[] = [];
    for (const [variant, options] of Object.entries(variants)) {
      const client = createRedisClient({ url: env.server.url, commandTimeoutMs: 5000 });
      if (!(await waitUntilReady(client, 5000))) throw new Error('bench: client not ready');
      const service = new CacheService(client, { ...options, logger: benchLogger, nearCache });
      if (!(await service.waitUntilReady(5000))) throw new Error('bench: cache not ready');
      closers.push(() => service.close());
      const heroes = CachedRepository.wrap<Hero, HeroRepository>(plain, heroCacheStrategy(), service);
      for (let i = 0; i < 50; i += 1) await heroes.findById(hero.id);
      contenders.push({ name: `${kind}, ${variant}`, call: () => heroes.findById(hero.id) });
    }
    // No global provider is registered: `tracing, no provider` reads through the API's proxy tracer.
    if (trace.getTracerProvider().getTracer('x').startSpan('x').isRecording())
      throw new Error('a provider is registered');
    const measured = await interleaved(contenders, ROUNDS, PER_TURN);
    const off = measured[0]!;
    printTable({
      title:
        `${kind} of one hero, ${ROUNDS} interleaved rounds of ${PER_TURN} sequential reads; ` +
        'ratios to the same hit with everything off',
      header: ['reader', 'median us', 'p99 us', 'CPU us/read', 'x off (median)', 'x off (CPU)'],
      rows: measured.map((m) => [m.name, m.median, m.p99, m.cpu, m.median / off.median, m.cpu / off.cpu]),
    });
    console.log(`spans recorded: ${recording.spans}`);
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    await env.dispose();
  }
}

async function main(): Promise<void> {
  // One environment (redis-server, database) per kind of hit, measured one after the other.
  await measure(false);
  await measure(true);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
