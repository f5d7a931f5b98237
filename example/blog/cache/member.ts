import { defineCacheStrategy, defineKeySchema } from 'cachedrepo';
import { intId } from 'cachedrepo/ids';
import type { Member, MemberRepository } from '../domain';
import { intColumn, keyState, textColumn } from './row-image';

export const memberKeys = defineKeySchema({ byId: 'member:{id}', byUsername: 'member:username:{username}' });

/**
 * A member, by id and by username. `passwordHash` never reaches Redis (`omit`): the cached repository returns members
 * without it. A member's delete cascades (articles, favorites, follows, comments): those rows' strategies, through
 * change capture, make their keys stale.
 */
export const memberCacheStrategy = (ttlSeconds: number) =>
  defineCacheStrategy<Member, MemberRepository, 'passwordHash'>({
    entityType: 'member',
    namespaces: [memberKeys.$namespace],
    ttlSeconds,
    id: intId(),
    omit: { passwordHash: true },
    entityKey: (id) => memberKeys.byId({ id }),
    queries: { findByUsername: { key: (username) => memberKeys.byUsername({ username }), shape: 'one' } },
    keysOf: (member) => [memberKeys.byId({ id: member.id }), memberKeys.byUsername({ username: member.username })],
    capture: [
      {
        table: 'Member',
        columns: ['id', 'username'],
        toEntity: (row) => keyState<Member>({ id: intColumn(row, 'id'), username: textColumn(row, 'username') }),
      },
    ],
  });
