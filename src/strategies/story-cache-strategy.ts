import { CacheStrategy, type EntityCacheTtlOptions, type QueryPolicies } from '../cache/cache-strategy';
import { createSuperjsonSerializer } from '../cache/serializer';
import type { Story } from '../domain';
import type { StoryRepository } from '../repositories';
import { storyKeys } from './key-schemas';
import { audioFileCodec, ratingCodec, storyLengthCodec } from './value-object-codecs';

/** Story caching: `story:{id}`, `story:child:{childId}`, `story:lang:{language}`, `story:all`. */
export class StoryCacheStrategy extends CacheStrategy<Story, StoryRepository> {
  /** Default TTL in seconds (source document 001: stories change often). */
  static readonly DEFAULT_TTL_SECONDS = 600;

  readonly entityType = 'story';
  readonly namespaces = [storyKeys.$namespace];
  readonly serializer = createSuperjsonSerializer([ratingCodec, storyLengthCodec, audioFileCodec]);
  readonly queries: QueryPolicies<StoryRepository, Story>;

  /** @param options TTLs in seconds; `ttlSeconds` @default 600 */
  constructor(options: EntityCacheTtlOptions = {}) {
    const ttlSeconds = options.ttlSeconds ?? StoryCacheStrategy.DEFAULT_TTL_SECONDS;
    super({ entityTtlSeconds: ttlSeconds, negativeTtlSeconds: options.negativeTtlSeconds });
    this.queries = {
      findAll: { key: () => storyKeys.all(), ttlSeconds },
      findByChildId: { key: (childId) => storyKeys.byChild({ childId }), ttlSeconds },
      findByLanguage: { key: (language) => storyKeys.byLanguage({ language }), ttlSeconds },
    };
  }

  entityKey(id: string): string {
    return storyKeys.byId({ id });
  }

  /** The story, `story:all`, and the child and language lists of both states. */
  affectedKeys(before: Story | null, after: Story | null): string[] {
    return this.keysOfStates(
      before,
      after,
      (story) => [storyKeys.byId({ id: story.id }), storyKeys.byChild({ childId: story.childId }), storyKeys.byLanguage({ language: story.language })],
      [storyKeys.all()],
    );
  }
}
