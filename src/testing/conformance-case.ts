import type { AnyEntity } from '../repository/entity';
import type { IdCodec } from '../repository/id-codec';
import type { Serializer } from '../repository/serializer';

type Entity = AnyEntity;

/** A strategy as the checks see it. */
export interface ErasedStrategy {
  readonly entityType: string;
  readonly namespaces: readonly string[];
  readonly serializer: Serializer;
  /** Each policy has `key` (one key per call) or `collection` (the key of the collection a call reads a page of). */
  readonly queries: Readonly<Record<string, ErasedPolicy | undefined>>;
  readonly ids: IdCodec<unknown>;
  entityKey(id: unknown): string;
  affectedKeys(before: Entity | null, after: Entity | null): string[];
}

/** A query policy as the checks see it. */
export interface ErasedPolicy {
  key?(...args: readonly unknown[]): string;
  collection?(...args: readonly unknown[]): string;
}

/** A conformance case as the checks see it. */
export interface ErasedCase {
  readonly label: string;
  readonly strategy: ErasedStrategy;
  readonly samples: readonly Entity[];
  /** What the user's holding functions return: one call's arguments, `{ calls: [...] }`, or null (`conformance.ts`). */
  readonly holding: Readonly<Record<string, false | ((entity: Entity) => unknown) | undefined>>;
  readonly alternatives: Readonly<Record<string, readonly unknown[] | undefined>>;
  readonly seed: number;
  readonly generatedStrings: number;
}
