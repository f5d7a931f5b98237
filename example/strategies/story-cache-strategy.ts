import { createSuperjsonSerializer, defineCacheStrategy, type CacheStrategy } from 'cachedrepo';
import type { Language, Story } from '../domain';
import type { StoryRepository } from '../repositories';
import type { EntityTtlOptions } from './entity-ttl-options';
import { storyKeys } from './key-schemas';
import { keyState, textColumn } from './row-images';
import { audioFileCodec, ratingCodec, storyLengthCodec } from './value-object-codecs';

/** Default TTL of stories, in seconds (the Hero/Child/Story implementation summary: stories change often). */
export const STORY_TTL_SECONDS = 600;

/**
 * Story caching: `story:{id}`, `story:child:{childId}`, `story:lang:{language}`, `story:all`. Value objects (Rating,
 * StoryLength, AudioFile) cross the cache through their codecs.
 */
export function storyCacheStrategy(options: EntityTtlOptions = {}): CacheStrategy<Story, StoryRepository> {
  return defineCacheStrategy<Story, StoryRepository>({
    entityType: 'story',
    namespaces: [storyKeys.$namespace],
    ttlSeconds: options.ttlSeconds ?? STORY_TTL_SECONDS,
    negativeTtlSeconds: options.negativeTtlSeconds,
    // Stories change often: no near cache unless asked for.
    nearCache: options.nearCache ?? undefined,
    serializer: createSuperjsonSerializer([ratingCodec, storyLengthCodec, audioFileCodec]),
    entityKey: (id) => storyKeys.byId({ id }),
    queries: {
      findAll: { key: () => storyKeys.all() },
      findByChildId: { key: (childId) => storyKeys.byChild({ childId }) },
      findByLanguage: { key: (language) => storyKeys.byLanguage({ language }) },
    },
    keysOf: (story) => [
      storyKeys.byId({ id: story.id }),
      storyKeys.byChild({ childId: story.childId }),
      storyKeys.byLanguage({ language: story.language }),
    ],
    alwaysAffected: [storyKeys.all()],
    capture: [
      {
        table: 'Story',
        columns: ['id', 'childId', 'language'],
        toEntity: (row) =>
          keyState<Story>({
            id: textColumn(row, 'id'),
            childId: textColumn(row, 'childId'),
            language: textColumn(row, 'language') as Language,
          }),
      },
    ],
  });
}
