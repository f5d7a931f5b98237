import { SuperJSON } from 'superjson';
import { CorruptEntryError } from './errors';

export { CorruptEntryError };

/** Turns cached values into strings and back. */
export interface Serializer {
  serialize(value: unknown): string;
  /** @throws {CorruptEntryError} when `raw` is not something this serializer wrote. */
  deserialize(raw: string): unknown;
}

/**
 * How one value-object class crosses the cache: `toPlain` must return only JSON-compatible
 * data and `fromPlain` must rebuild (and so re-validate) the instance.
 */
export interface ValueObjectCodec<V, P = unknown> {
  /** Unique name stored in the entry's metadata, e.g. `Rating`. */
  name: string;
  isApplicable(value: unknown): value is V;
  toPlain(value: V): P;
  fromPlain(plain: P): V;
}

/** Helper for declaring a codec with the right types. */
export function valueObjectCodec<V, P>(codec: ValueObjectCodec<V, P>): ValueObjectCodec<V, P> {
  return codec;
}

/**
 * A superjson serializer (Dates, Maps, Sets, BigInts, undefined vs null kept) with the given
 * value-object codecs. Each serializer has its own superjson instance, so strategies never
 * share or clash over registrations.
 */
export function createSuperjsonSerializer(codecs: readonly ValueObjectCodec<unknown>[] = []): Serializer {
  const superjson = new SuperJSON();
  for (const codec of codecs) {
    superjson.registerCustom<unknown, never>(
      {
        isApplicable: (value): value is unknown => codec.isApplicable(value),
        serialize: (value) => codec.toPlain(value) as never,
        deserialize: (plain) => codec.fromPlain(plain),
      },
      codec.name,
    );
  }
  return {
    serialize: (value) => superjson.stringify(value),
    deserialize: (raw) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch (cause) {
        throw new CorruptEntryError('cache entry is not JSON', { cause });
      }
      if (typeof parsed !== 'object' || parsed === null || !('json' in parsed)) {
        throw new CorruptEntryError('cache entry is not a superjson document');
      }
      try {
        return superjson.deserialize(parsed as Parameters<SuperJSON['deserialize']>[0]);
      } catch (cause) {
        throw new CorruptEntryError(`cache entry could not be decoded: ${(cause as Error).message}`, { cause });
      }
    },
  };
}
