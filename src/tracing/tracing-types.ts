import type { ReadReport } from '../protocol/read-report';

/** The shapes of tracing: its options, and the spans a cached repository's watch starts (no OpenTelemetry types). */

/**
 * The part of an OpenTelemetry `TracerProvider` the cache calls, written out so that these types need no
 * `@opentelemetry/api` installed.
 */
export interface TracerProviderLike {
  getTracer(name: string, version?: string): unknown;
}

/**
 * OpenTelemetry spans of cached reads and writes (`CacheServiceOptions.tracing`): `@opentelemetry/api` (an optional
 * peer dependency, 1.x) is loaded only when `enabled` is true.
 */
export interface TracingOptions {
  /** Turns tracing on. @default false: `@opentelemetry/api` is never loaded, and reads and writes are not watched */
  enabled?: boolean;
  /**
   * Where the spans go. @default the global provider (`trace.setGlobalTracerProvider`, which the OpenTelemetry SDK
   * calls); while none is registered, spans are not recording and a read goes on as if tracing were off
   */
  tracerProvider?: TracerProviderLike;
  /**
   * `db.system.name` of the spans around base-repository calls (OpenTelemetry database semantic conventions), e.g.
   * `sqlite`, `postgresql`. @default 'other_sql'
   */
  dbSystem?: string;
}

/** One read's span, as the watch drives it. */
export interface ReadSpan {
  /** Runs the read with the span as the active context (spans the read makes, e.g. of Redis commands, are children). */
  run<V>(read: () => Promise<V>): Promise<V>;
  /** `load` wrapped in a database client span (a child of the read's span), for each call the read makes. */
  load<A extends unknown[], V>(method: string, load: (...args: A) => Promise<V>): (...args: A) => Promise<V>;
  /** The read returned its value: sets its outcome; the span ends once the store under the read's lease has too. */
  end(report: ReadReport): void;
  /** A read of many entities returned, having loaded `loaded` of them from the base repository. */
  endMany(loaded: number): void;
  /** The read failed. */
  fail(error: unknown): void;
}

/** The spans of one cached repository. */
export interface EntityTracer {
  /** The span of one read, or null when nothing records it (no tracer registered). */
  startRead(method: string): ReadSpan | null;
  /**
   * Traces the writes of a cached repository: each of `methods` of `target` gets a span (an own property that calls
   * the method of its prototype within it), and each call of `writes` (the base's writes) a database client span.
   * @returns `writes`, wrapped
   */
  traceWrites<W extends object>(target: object, methods: readonly string[], writes: W): W;
}
