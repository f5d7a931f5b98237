import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { CachedRepository, type Cached } from 'cachedrepo';
import { bookCacheStrategy, InMemoryBookRepository, sampleBook, type Book } from '../../support/books';
import type { BookRepository } from '../../support/books';
import { useRedisCache } from '../../support/cache';
import { MemoryContextManager, MemoryTracerProvider, type FinishedSpan } from '../../support/memory-tracer';
import { until } from '../../support/wait';

// OpenTelemetry spans of cached reads and writes, exported by an in-memory TracerProvider written against the API.

/** A book repository whose next findById waits until released (to hold a load across a write). */
class HeldBooks extends InMemoryBookRepository {
  hold: { started: () => void; release: Promise<void> } | null = null;

  override async findById(id: string): Promise<Book | null> {
    const hold = this.hold;
    this.hold = null;
    if (hold) {
      hold.started();
      await hold.release;
    }
    return super.findById(id);
  }
}

const attributes = (span: FinishedSpan | undefined) => span?.attributes ?? {};

describe('tracing with a given TracerProvider', () => {
  const provider = new MemoryTracerProvider();
  const { exporter } = provider;
  const fixture = useRedisCache({
    cacheOptions: { tracing: { enabled: true, tracerProvider: provider, dbSystem: 'sqlite' } },
  });
  let base: HeldBooks;
  let books: Cached<BookRepository>;

  beforeEach(() => {
    exporter.reset();
    base = new HeldBooks();
    books = CachedRepository.wrap(base, bookCacheStrategy(), fixture.cache);
  });

  /** The spans of the last read named `name`, once it and its store have ended. */
  const readSpans = async (name: string) => {
    await until(() => exporter.named(name).length > 0, 2000, `a span ${name}`);
    return exporter.named(name);
  };

  it('a miss: a read span (miss, stored) with a database client span as its child (semantic conventions)', async () => {
    await base.save(sampleBook());
    await books.findById('b1');
    const [read] = await readSpans('cache findById book');
    expect(read?.kind).toBe(SpanKind.INTERNAL);
    expect(read?.scope).toBe('cachedrepo');
    expect(attributes(read)).toMatchObject({
      'cachedrepo.entity_type': 'book',
      'cachedrepo.method': 'findById',
      'cachedrepo.read.outcome': 'miss',
      'cachedrepo.read.source': 'base',
      'cachedrepo.store.outcome': 'stored',
    });
    expect(read?.events).toContain('cachedrepo.value_returned');
    const [db] = exporter.named('findById book');
    expect(db?.kind).toBe(SpanKind.CLIENT);
    expect(db?.attributes).toEqual({
      'db.system.name': 'sqlite',
      'db.operation.name': 'findById',
      'db.collection.name': 'book',
    });
    expect(db?.parentSpanId).toBe(read?.spanId);
    expect(db?.traceId).toBe(read?.traceId);
  });

  it('a hit: outcome hit from Redis, and no database span', async () => {
    await base.save(sampleBook());
    await books.findById('b1');
    await readSpans('cache findById book');
    exporter.reset();
    await books.findById('b1');
    const [read] = await readSpans('cache findById book');
    expect(attributes(read)).toMatchObject({ 'cachedrepo.read.outcome': 'hit', 'cachedrepo.read.source': 'redis' });
    expect(attributes(read)['cachedrepo.store.outcome']).toBeUndefined();
    expect(exporter.named('findById book')).toEqual([]);
  });

  it('a stale set: a load overtaken by a write is not stored, and its span says so', async () => {
    await base.save(sampleBook());
    let started!: () => void;
    const loading = new Promise<void>((resolve) => (started = resolve));
    let release!: () => void;
    base.hold = { started, release: new Promise<void>((resolve) => (release = resolve)) };
    const reading = books.findById('b1');
    await loading;
    await books.update('b1', { title: 'Children of Dune' });
    release();
    await reading;
    const [read] = await readSpans('cache findById book');
    await until(
      () => attributes(exporter.named('cache findById book')[0])['cachedrepo.store.outcome'] !== undefined,
      2000,
      'the store',
    );
    expect(attributes(read)).toMatchObject({
      'cachedrepo.read.outcome': 'stale-set',
      'cachedrepo.store.outcome': 'lost',
    });
  });

  it('a write: a span with its invalidation, the base write as its child database span', async () => {
    await base.save(sampleBook());
    await books.update('b1', { title: 'Dune Messiah' });
    const [write] = exporter.named('cache updateReturningBeforeImage book');
    expect(attributes(write)).toMatchObject({
      'cachedrepo.entity_type': 'book',
      'cachedrepo.invalidation.outcome': 'delivered',
      'cachedrepo.invalidation.keys': expect.any(Number),
    });
    expect(attributes(write)['cachedrepo.invalidation.keys']).toBeGreaterThanOrEqual(5);
    const [db] = exporter.named('update book');
    expect(db?.kind).toBe(SpanKind.CLIENT);
    expect(db?.parentSpanId).toBe(write?.spanId);
    expect(attributes(db)['db.operation.name']).toBe('update');
    await books.save(sampleBook({ id: 'b2' }));
    await books.delete('b2');
    expect(exporter.named('cache save book')).toHaveLength(1);
    expect(exporter.named('cache delete book')).toHaveLength(1);
    expect(exporter.named('delete book')[0]?.parentSpanId).toBe(exporter.named('cache delete book')[0]?.spanId);
  });

  it('findByIds: one span, with the number of entities loaded from the base', async () => {
    for (const id of ['x1', 'x2', 'x3']) await base.save(sampleBook({ id }));
    await books.findById('x1');
    exporter.reset();
    await books.findByIds(['x1', 'x2', 'x3']);
    const [read] = await readSpans('cache findByIds book');
    expect(attributes(read)).toMatchObject({ 'cachedrepo.read.outcome': 'miss', 'cachedrepo.read.loaded': 2 });
    expect(exporter.named('findByIds book')[0]?.parentSpanId).toBe(read?.spanId);
  });

  it('a failed load: both spans carry the error', async () => {
    const failing = new InMemoryBookRepository();
    failing.findByAuthor = () => Promise.reject(new RangeError('database gone'));
    const cached = CachedRepository.wrap(failing, bookCacheStrategy(), fixture.cache);
    await expect(cached.findByAuthor('anyone')).rejects.toThrow('database gone');
    const [read] = await readSpans('cache findByAuthor book');
    const [db] = exporter.named('findByAuthor book');
    for (const span of [read, db]) {
      expect(span?.status.code).toBe(SpanStatusCode.ERROR);
      expect(attributes(span)['error.type']).toBe('RangeError');
      expect(span?.exceptions).toEqual(['database gone']);
    }
  });
});

describe('tracing with the global TracerProvider', () => {
  const fixture = useRedisCache({ cacheOptions: { tracing: { enabled: true } } });

  afterEach(() => {
    trace.disable();
    context.disable();
  });

  it("records nothing while no provider is registered, then nests spans under the caller's", async () => {
    const base = new InMemoryBookRepository();
    const books = CachedRepository.wrap(base, bookCacheStrategy(), fixture.cache);
    await base.save(sampleBook());
    expect(await books.findById('b1')).toEqual(sampleBook());

    const provider = new MemoryTracerProvider();
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(new MemoryContextManager());
    const tracer = trace.getTracer('application');
    await tracer.startActiveSpan('GET /books/b1', async (request) => {
      await books.findById('b1');
      request.end();
    });
    await until(() => provider.exporter.named('cache findById book').length === 1, 2000, 'the read span');
    const [request] = provider.exporter.named('GET /books/b1');
    const [read] = provider.exporter.named('cache findById book');
    expect(read?.parentSpanId).toBe(request?.spanId);
    expect(provider.exporter.spans.map((span) => span.name).sort()).toEqual(['GET /books/b1', 'cache findById book']);
  });
});
