import type { Context, Span, SpanOptions } from '@opentelemetry/api';
import type { ReadReport } from '../protocol/read-report';
import type { CacheTracer } from './cache-tracer';
import type { EntityTracer, ReadSpan } from './tracing-types';

/**
 * Spans of one cached repository, following the OpenTelemetry semantic conventions where they exist:
 * - a read: an INTERNAL span `cache {method} {entityType}` (no convention covers a cache in front of a repository)
 *   with `cachedrepo.entity_type`, `cachedrepo.method`, `cachedrepo.read.outcome` (`hit`, `miss`, `stale-set`: a
 *   miss whose store was refused because a write took its lease, `joined`: another read's load was shared),
 *   `cachedrepo.read.source` (`near`, `redis`, `base`) and, after a load, `cachedrepo.store.outcome`;
 * - a write: an INTERNAL span `cache {method} {entityType}` with `cachedrepo.invalidation.keys` and
 *   `cachedrepo.invalidation.outcome` (`delivered`, or `pending` when Redis could not be told);
 * - each base-repository call: a CLIENT span `{method} {entityType}` (database client spans: `db.system.name`,
 *   `db.operation.name`, `db.collection.name`, and `error.type` when it fails), the child of its read or write.
 */
export class OtelEntityTracer implements EntityTracer {
  readonly api: CacheTracer['api'];

  constructor(
    private readonly owner: CacheTracer,
    private readonly entityType: string,
  ) {
    this.api = owner.api;
  }

  startRead(method: string): ReadSpan | null {
    if (!this.owner.recording()) return null;
    const { api } = this.owner;
    const parent = api.context.active();
    const span = this.start(method, parent);
    return span.isRecording() ? new OtelReadSpan(this, span, api.trace.setSpan(parent, span)) : null;
  }

  traceWrites<W extends object>(target: object, methods: readonly string[], writes: W): W {
    const self = target as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const { api, writes: scopes } = this.owner;
    for (const method of methods) {
      const own = self[method];
      if (typeof own !== 'function') continue;
      self[method] = (...args) => {
        if (!this.owner.recording()) return own.apply(target, args);
        const parent = api.context.active();
        const span = this.start(method, parent);
        if (!span.isRecording()) return own.apply(target, args);
        const context = api.trace.setSpan(parent, span);
        return this.settle(
          span,
          scopes.run({ span, context }, () => api.context.with(context, own, target, ...args)),
        );
      };
    }
    const traced: Record<string, unknown> = {};
    for (const [name, write] of Object.entries(writes))
      traced[name] =
        typeof write === 'function'
          ? this.dbCall(name, write as (...args: unknown[]) => Promise<unknown>, () => scopes.getStore()?.context)
          : write;
    return traced as W;
  }

  /** `call` in a database client span, the child of `parent()` (else of the active context). */
  dbCall<A extends unknown[], V>(
    method: string,
    call: (...args: A) => Promise<V>,
    parent: () => Context | undefined,
  ): (...args: A) => Promise<V> {
    const { api, tracer, dbSystem } = this.owner;
    return (...args) => {
      const span = tracer.startSpan(
        `${method} ${this.entityType}`,
        {
          kind: api.SpanKind.CLIENT,
          attributes: {
            'db.system.name': dbSystem,
            'db.operation.name': method,
            'db.collection.name': this.entityType,
          },
        },
        parent() ?? api.context.active(),
      );
      const context = api.trace.setSpan(api.context.active(), span);
      return this.settle(span, api.context.with(context, call, undefined, ...args));
    };
  }

  /** Ends `span` when `work` settles: with an error status and `error.type` when it fails. */
  settle<V>(span: Span, work: Promise<V>): Promise<V> {
    return work.then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        this.fail(span, error);
        throw error;
      },
    );
  }

  fail(span: Span, error: unknown): void {
    const type = error instanceof Error ? error.constructor.name : typeof error;
    span.setAttribute('error.type', type);
    if (error instanceof Error) span.recordException(error);
    span.setStatus({ code: this.owner.api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : '' });
    span.end();
  }

  private start(method: string, parent: Context): Span {
    let started = this.starts.get(method);
    if (started === undefined) {
      started = {
        name: `cache ${method} ${this.entityType}`,
        options: {
          kind: this.owner.api.SpanKind.INTERNAL,
          attributes: { 'cachedrepo.entity_type': this.entityType, 'cachedrepo.method': method },
        },
      };
      this.starts.set(method, started);
    }
    return this.owner.tracer.startSpan(started.name, started.options, parent);
  }

  /** The name and options of each method's spans, made once (a recorded read then allocates less). */
  private readonly starts = new Map<string, { name: string; options: SpanOptions }>();
}

class OtelReadSpan implements ReadSpan {
  constructor(
    private readonly owner: OtelEntityTracer,
    private readonly span: Span,
    private readonly context: Context,
  ) {}

  run<V>(read: () => Promise<V>): Promise<V> {
    return this.owner.api.context.with(this.context, read);
  }

  load<A extends unknown[], V>(method: string, load: (...args: A) => Promise<V>): (...args: A) => Promise<V> {
    return this.owner.dbCall(method, load, () => this.context);
  }

  endMany(loaded: number): void {
    this.span.setAttributes({
      'cachedrepo.read.outcome': loaded === 0 ? 'hit' : 'miss',
      'cachedrepo.read.loaded': loaded,
    });
    this.span.end();
  }

  end(report: ReadReport): void {
    const { span } = this;
    const served = report.served ?? 'loaded';
    const outcome = served === 'near' || served === 'redis' ? 'hit' : served === 'joined' ? 'joined' : 'miss';
    span.setAttributes({
      'cachedrepo.read.outcome': outcome,
      'cachedrepo.read.source': served === 'loaded' ? 'base' : served,
    });
    if (report.stored === null) {
      span.end();
      return;
    }
    // The store is sent behind the caller: the span ends when it is done, with what it did.
    span.addEvent('cachedrepo.value_returned');
    void report.stored.then((stored) => {
      span.setAttribute('cachedrepo.store.outcome', stored);
      if (stored === 'lost') span.setAttribute('cachedrepo.read.outcome', 'stale-set');
      span.end();
    });
  }

  fail(error: unknown): void {
    this.owner.fail(this.span, error);
  }
}
