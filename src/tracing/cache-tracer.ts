import { AsyncLocalStorage } from 'node:async_hooks';
import type * as OpenTelemetry from '@opentelemetry/api';
import { CacheOptionsError } from '../errors';
import { OtelEntityTracer } from './entity-tracer';
import type { EntityTracer, TracingOptions } from './tracing-types';

/** The `@opentelemetry/api` module, loaded by {@link loadOpenTelemetry}. */
export type OpenTelemetryApi = typeof OpenTelemetry;

/** The instrumentation scope the spans are reported under. */
const SCOPE = 'cachedrepo';

/**
 * Loads `@opentelemetry/api` (an optional peer dependency), only when tracing is on.
 * @throws {CacheOptionsError} when it is not installed
 */
export function loadOpenTelemetry(): OpenTelemetryApi {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@opentelemetry/api') as OpenTelemetryApi;
  } catch (error) {
    throw new CacheOptionsError(
      `tracing.enabled needs @opentelemetry/api (1.x) installed beside cachedrepo: ${(error as Error).message}`,
    );
  }
}

/** The write a span is open for, found by the calls the write makes (the base write, the invalidation). */
export interface WriteScope {
  span: OpenTelemetry.Span;
  context: OpenTelemetry.Context;
}

/**
 * Tracing of one CacheService: the tracer its repositories' spans come from (see {@link TracingOptions}), and the
 * write under way in the current asynchronous context, so that its invalidation is recorded on its span whether or
 * not the application registered an OpenTelemetry context manager.
 */
export class CacheTracer {
  readonly writes = new AsyncLocalStorage<WriteScope>();
  readonly tracer: OpenTelemetry.Tracer;
  readonly dbSystem: string;
  /** True once spans can record: a provider was given, or one is registered globally. */
  private registered: boolean;

  /** @throws {CacheOptionsError} when `@opentelemetry/api` is not installed */
  constructor(
    options: TracingOptions,
    readonly api: OpenTelemetryApi = loadOpenTelemetry(),
  ) {
    const provider = (options.tracerProvider as OpenTelemetry.TracerProvider | undefined) ?? api.trace;
    this.tracer = provider.getTracer(SCOPE);
    this.dbSystem = options.dbSystem ?? 'other_sql';
    this.registered = options.tracerProvider !== undefined;
  }

  /**
   * False while spans would be dropped because no TracerProvider is registered globally (the API's proxy has no
   * delegate yet): reads and writes then go on unwatched, with no span object made. Asked per read until a provider
   * appears (an SDK may start after the cache), never again after.
   */
  recording(): boolean {
    if (this.registered) return true;
    const global = this.api.trace.getTracerProvider() as { getDelegateTracer?: (name: string) => unknown };
    this.registered = typeof global.getDelegateTracer !== 'function' || global.getDelegateTracer(SCOPE) !== undefined;
    return this.registered;
  }

  forEntity(entityType: string): EntityTracer {
    return new OtelEntityTracer(this, entityType);
  }

  /** Records on the span of the write under way, if any, the invalidation it sent. */
  noteInvalidation(keys: number, delivered: boolean): void {
    const scope = this.writes.getStore();
    if (!scope) return;
    scope.span.setAttributes({
      'cachedrepo.invalidation.keys': keys,
      'cachedrepo.invalidation.outcome': delivered ? 'delivered' : 'pending',
    });
  }
}
