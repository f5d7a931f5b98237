import type { AnyEntity } from '../repository/entity';
import type { IdCodec } from '../repository/id-codec';
import type { Serializer } from '../repository/serializer';

type Entity = AnyEntity;

/** A strategy as the checks see it. */
export interface ErasedStrategy {
  readonly entityType: string;
  readonly namespaces: readonly string[];
  readonly serializer: Serializer;
  readonly queries: Readonly<Record<string, { key(...args: readonly unknown[]): string } | undefined>>;
  readonly ids: IdCodec<unknown>;
  entityKey(id: unknown): string;
  affectedKeys(before: Entity | null, after: Entity | null): string[];
}

/** A conformance case as the checks see it. */
export interface ErasedCase {
  readonly label: string;
  readonly strategy: ErasedStrategy;
  readonly samples: readonly Entity[];
  readonly holding: Readonly<Record<string, false | ((entity: Entity) => readonly unknown[] | null) | undefined>>;
  readonly alternatives: Readonly<Record<string, readonly unknown[] | undefined>>;
  readonly seed: number;
  readonly generatedStrings: number;
}
