import type { CapturedTable, RowImage } from '../repository/captured-table';
import type { CacheStrategy } from '../repository/cache-strategy';
import type { Entity } from '../repository/entity';
import { StrategyError } from '../errors';
import type { CapturedColumns, RowChange } from './change-source';

/** Any strategy, whatever its entity and repository types. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCacheStrategy = CacheStrategy<any, any>;

interface TableEntry {
  readonly strategy: CacheStrategy<Entity>;
  readonly declaration: CapturedTable<Entity>;
}

/**
 * The keys a batch makes stale, per entity type, each with the log positions of the changes that make it stale (null
 * when one of them has none); or why they cannot be known.
 */
export type BatchKeys = { ok: true; keys: Map<string, Map<string, number[] | null>> } | { ok: false; reason: string };

/**
 * The captured tables of a set of strategies, and the keys a changed row makes stale: for each strategy that
 * declares the row's table, `affectedKeys(toEntity(before), toEntity(after))`, the same keys a write through its
 * cached repository invalidates. A table may be declared by several strategies (each adds its keys).
 */
export class RowKeys {
  private readonly byTable = new Map<string, TableEntry[]>();

  /** @throws {StrategyError} when no strategy declares a table, or one declares a table with no columns */
  constructor(strategies: readonly AnyCacheStrategy[]) {
    for (const strategy of strategies as readonly CacheStrategy<Entity>[]) {
      for (const declaration of strategy.capture ?? []) {
        if (declaration.table === '' || declaration.columns.length === 0)
          throw new StrategyError(`${strategy.entityType}: a captured table needs a name and the columns it reads`);
        const entries = this.byTable.get(declaration.table) ?? [];
        entries.push({ strategy, declaration });
        this.byTable.set(declaration.table, entries);
      }
    }
    if (this.byTable.size === 0)
      throw new StrategyError('change capture needs at least one strategy that declares `capture` tables');
  }

  /** The entity types of the strategies that declare captured tables, each once. */
  get entityTypes(): string[] {
    return [...new Set([...this.byTable.values()].flatMap((entries) => entries.map((e) => e.strategy.entityType)))];
  }

  /** The captured tables, each once. */
  get tables(): string[] {
    return [...this.byTable.keys()];
  }

  /** Each captured table with the columns read of it (the union over the strategies declaring it). */
  get columns(): CapturedColumns {
    const columns = new Map<string, readonly string[]>();
    for (const [table, entries] of this.byTable)
      columns.set(table, [...new Set(entries.flatMap((entry) => entry.declaration.columns))]);
    return columns;
  }

  /** The keys `changes` make stale, grouped by entity type; a change of a table not captured makes none. */
  keysOf(changes: readonly RowChange[]): BatchKeys {
    const keys = new Map<string, Map<string, number[] | null>>();
    for (const change of changes) {
      for (const { strategy, declaration } of this.byTable.get(change.table) ?? []) {
        let affected: string[];
        try {
          affected = strategy.affectedKeys(entityOf(declaration, change.before), entityOf(declaration, change.after));
        } catch (error) {
          const why = error instanceof Error ? error.message : String(error);
          return { ok: false, reason: `${strategy.entityType}: keys of a ${change.table} row unknown (${why})` };
        }
        const positions = keys.get(strategy.entityType) ?? new Map<string, number[] | null>();
        for (const key of affected) {
          const known = positions.get(key);
          if (change.position === undefined) positions.set(key, null);
          else if (known === undefined) positions.set(key, [change.position]);
          else known?.push(change.position);
        }
        keys.set(strategy.entityType, positions);
      }
    }
    return { ok: true, keys };
  }
}

function entityOf(declaration: CapturedTable<Entity>, row: RowImage | null): Entity | null {
  return row === null ? null : declaration.toEntity(row);
}

/**
 * Each table the strategies capture, with the columns read of it: what {@link sqliteCaptureSql} and
 * `postgresCaptureSql` take.
 * @throws {StrategyError} when no strategy declares a captured table
 */
export function capturedColumns(strategies: readonly AnyCacheStrategy[]): CapturedColumns {
  return new RowKeys(strategies).columns;
}
