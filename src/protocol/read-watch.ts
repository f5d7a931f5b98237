import type { EntityAudit } from '../audit/entity-audit';
import type { EntityTracer, ReadSpan } from '../tracing/tracing-types';
import type { EntryShape } from './entry-codec';
import { emptyReport, type ReadReport } from './read-report';

/**
 * The hooks that watch one cached repository's reads and writes: the consistency auditor and tracing, each present
 * only when its option is on. A `CachedRepository` gets one from `CacheService.watchFor` (null when both are off, and
 * then it reads exactly as before: no report, no wrapper).
 */
export class RepositoryWatch {
  /** Filled by reads nobody looks at (a read the auditor did not pick and no span records). */
  private readonly unread = emptyReport();

  constructor(
    private readonly audit: EntityAudit | null,
    private readonly picks: () => boolean,
    readonly tracer: EntityTracer | null,
  ) {}

  /**
   * One cached read: `read(load, report)` runs it (`CacheAsideReader.readReporting`), `load` is the base
   * repository's call with the same method and arguments.
   */
  read<V>(
    method: string,
    key: string,
    shape: EntryShape,
    load: () => Promise<V>,
    read: (load: () => Promise<V>, report: ReadReport) => Promise<V>,
  ): Promise<V> {
    const sampled = this.audit !== null && this.picks();
    const span = this.tracer?.startRead(method) ?? null;
    // Neither the auditor nor a recording span wants this read: no report, no extra await.
    if (!sampled && span === null) return read(load, this.unread);
    return this.watched(key, shape, load, read, sampled, span, method);
  }

  private async watched<V>(
    key: string,
    shape: EntryShape,
    load: () => Promise<V>,
    read: (load: () => Promise<V>, report: ReadReport) => Promise<V>,
    sampled: boolean,
    span: ReadSpan | null,
    method: string,
  ): Promise<V> {
    const report = emptyReport();
    let value: V;
    try {
      value = span ? await span.run(() => read(span.load(method, load), report)) : await read(load, report);
    } catch (error) {
      span?.fail(error);
      throw error;
    }
    if (sampled) this.audit?.sample(key, shape, value, report, load);
    span?.end(report);
    return value;
  }

  /** A read of many entities (`findByIds`): traced, not audited (its entries are those `findById` reads). */
  async readMany<E, Id>(
    method: string,
    loadMany: (ids: Id[]) => Promise<E[]>,
    read: (loadMany: (ids: Id[]) => Promise<E[]>) => Promise<E[]>,
  ): Promise<E[]> {
    const span = this.tracer?.startRead(method) ?? null;
    if (span === null) return read(loadMany);
    const loading = span.load(method, loadMany);
    let loaded = 0;
    try {
      const values = await span.run(() =>
        read((ids) => {
          loaded += ids.length;
          return loading(ids);
        }),
      );
      span.endMany(loaded);
      return values;
    } catch (error) {
      span.fail(error);
      throw error;
    }
  }
}
