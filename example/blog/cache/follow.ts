import { defineCacheStrategy, defineKeySchema } from 'cachedrepo';
import { compositeId } from 'cachedrepo/ids';
import type { Follow, FollowRepository } from '../domain';
import { intColumn, keyState } from './row-image';

export const followKeys = defineKeySchema({
  byId: 'follow:{followerId}:{followeeId}',
  byFollower: 'follow:follower:{followerId}',
  byFollowee: 'follow:followee:{followeeId}',
});

/**
 * A follow: the join row of two members, a relation like a favorite (favorite.ts). Its own key is the per-viewer flag
 * (`following`, negative caching meaning "not following"); the follower side is whom they follow (their feed's
 * authors), the followee side who follows them (the profile's followers count).
 */
export const followCacheStrategy = (ttlSeconds: number) =>
  defineCacheStrategy<Follow, FollowRepository>({
    entityType: 'follow',
    namespaces: [followKeys.$namespace],
    ttlSeconds,
    negativeTtlSeconds: ttlSeconds,
    id: compositeId({ followerId: 'int', followeeId: 'int' }),
    entityKey: (id) => followKeys.byId(id),
    queries: {
      findByFollower: { key: (followerId) => followKeys.byFollower({ followerId }) },
      findByFollowee: { key: (followeeId) => followKeys.byFollowee({ followeeId }) },
    },
    keysOf: ({ id }) => [
      followKeys.byId(id),
      followKeys.byFollower({ followerId: id.followerId }),
      followKeys.byFollowee({ followeeId: id.followeeId }),
    ],
    capture: [
      {
        table: 'Follow',
        columns: ['followerId', 'followeeId'],
        toEntity: (row) =>
          keyState<Follow>({
            id: { followerId: intColumn(row, 'followerId'), followeeId: intColumn(row, 'followeeId') },
          }),
      },
    ],
  });
