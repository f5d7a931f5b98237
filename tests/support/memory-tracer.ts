import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import {
  context as contextApi,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type AttributeValue,
  type Context,
  type ContextManager,
  type Exception,
  type Link,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';

/**
 * A tiny OpenTelemetry TracerProvider for tests, written against `@opentelemetry/api` only (no SDK is installed):
 * every span is recorded, and kept in memory once ended (an in-memory exporter).
 */

/** A span as the exporter keeps it. */
export interface FinishedSpan {
  name: string;
  kind: SpanKind;
  traceId: string;
  spanId: string;
  /** The parent's span id, or undefined for a root. */
  parentSpanId: string | undefined;
  attributes: Attributes;
  events: string[];
  status: SpanStatus;
  exceptions: string[];
  /** Instrumentation scope: the name the tracer was asked for. */
  scope: string;
}

class MemorySpan implements Span {
  readonly attributes: Attributes = {};
  readonly events: string[] = [];
  readonly exceptions: string[] = [];
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  private ended = false;

  constructor(
    private name: string,
    private readonly kind: SpanKind,
    private readonly context: SpanContext,
    private readonly parentSpanId: string | undefined,
    private readonly scope: string,
    private readonly exporter: MemorySpanExporter,
    attributes: Attributes | undefined,
  ) {
    if (attributes) this.setAttributes(attributes);
  }

  spanContext(): SpanContext {
    return this.context;
  }
  setAttribute(key: string, value: AttributeValue): this {
    if (!this.ended) this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    for (const [key, value] of Object.entries(attributes)) if (value !== undefined) this.setAttribute(key, value);
    return this;
  }
  addEvent(name: string): this {
    if (!this.ended) this.events.push(name);
    return this;
  }
  addLink(_link: Link): this {
    return this;
  }
  addLinks(_links: Link[]): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    if (!this.ended) this.status = status;
    return this;
  }
  updateName(name: string): this {
    this.name = name;
    return this;
  }
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.exporter.spans.push({
      name: this.name,
      kind: this.kind,
      traceId: this.context.traceId,
      spanId: this.context.spanId,
      parentSpanId: this.parentSpanId,
      attributes: { ...this.attributes },
      events: [...this.events],
      status: this.status,
      exceptions: [...this.exceptions],
      scope: this.scope,
    });
  }
  isRecording(): boolean {
    return !this.ended;
  }
  recordException(exception: Exception): void {
    this.exceptions.push(typeof exception === 'string' ? exception : String(exception.message));
  }
}

class MemoryTracer implements Tracer {
  constructor(
    private readonly scope: string,
    private readonly exporter: MemorySpanExporter,
  ) {}

  startSpan(name: string, options: SpanOptions = {}, context: Context = ROOT_CONTEXT): Span {
    const parent = options.root ? undefined : trace.getSpanContext(context);
    const spanContext: SpanContext = {
      traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
      traceFlags: 1,
    };
    return new MemorySpan(
      name,
      options.kind ?? SpanKind.INTERNAL,
      spanContext,
      parent?.spanId,
      this.scope,
      this.exporter,
      options.attributes,
    );
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...rest: unknown[]): ReturnType<F> {
    const fn = rest[rest.length - 1] as F;
    const options = (rest.length > 1 ? rest[0] : {}) as SpanOptions;
    const parent = (rest.length > 2 ? rest[1] : undefined) as Context | undefined;
    const base = parent ?? contextApi.active();
    const span = this.startSpan(name, options, base);
    return contextApi.with(trace.setSpan(base, span), () => fn(span)) as ReturnType<F>;
  }
}

/** Keeps ended spans; {@link MemoryTracerProvider} writes to it. */
export class MemorySpanExporter {
  readonly spans: FinishedSpan[] = [];

  /** The ended spans named `name`. */
  named(name: string): FinishedSpan[] {
    return this.spans.filter((span) => span.name === name);
  }

  reset(): void {
    this.spans.length = 0;
  }
}

export class MemoryTracerProvider implements TracerProvider {
  readonly exporter = new MemorySpanExporter();

  getTracer(name: string): Tracer {
    return new MemoryTracer(name, this.exporter);
  }
}

/** A context manager on AsyncLocalStorage, as the SDK's (`@opentelemetry/context-async-hooks`) is. */
export class MemoryContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(context, () => fn.apply(thisArg, args));
  }
  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const run = (...args: unknown[]): unknown =>
      this.with(context, target as (...a: unknown[]) => unknown, undefined, ...args);
    return run as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}
