/** Type tests of definePrismaRepository, compiled by `tsc --noEmit -p .` (see strategy-types.ts). */
import type { Prisma, PrismaClient } from '../../generated/prisma/client';
import { definePrismaRepository, type PrismaRepository, type RowMapper } from 'cachedrepo/prisma';
import type { KeyStateUpdateRepository } from 'cachedrepo/capture';
import { compositeId, intId } from 'cachedrepo/ids';
import type { Repository } from 'cachedrepo';

interface Post {
  readonly id: number;
  authorId: number;
  title: string;
}
interface PostRepository extends Repository<Post> {
  findByAuthor(authorId: number, page: { limit: number; offset: number }): Promise<Post[]>;
  findByTitle(title: string): Promise<Post | null>;
}
declare const prisma: PrismaClient;
declare const mapper: RowMapper<Post, Prisma.ArticleGetPayload<object>>;
declare const favoriteMapper: RowMapper<
  { readonly id: { memberId: number; articleId: number } },
  Prisma.FavoriteGetPayload<object>
>;

// Positive: no annotation; finders become methods of the port, typed by their declarations.
export const posts: PostRepository = definePrismaRepository(
  prisma,
  {
    entityType: 'Article',
    model: (db) => db.article,
    mapper,
    listOrder: [{ id: 'desc' }],
    finders: {
      findByAuthor: (authorId: number, page: { limit: number; offset: number }) => ({ where: { authorId }, page }),
    },
    unique: { findByTitle: (title: string) => ({ where: { title } }) },
  },
  { id: intId() },
);

// Negative: a `where` the generated client refuses (authorId is an Int column).
definePrismaRepository(
  prisma,
  {
    entityType: 'Article',
    model: (db) => db.article,
    mapper,
    listOrder: [],
    // @ts-expect-error the where is typed from db.article: authorId is a number
    finders: { findByAuthor: (authorId: string) => ({ where: { authorId } }) },
  },
  { id: intId() },
);

// Negative: a field the model does not have.
definePrismaRepository(
  prisma,
  {
    entityType: 'Article',
    model: (db) => db.article,
    mapper,
    listOrder: [],
    // @ts-expect-error Article has no column `slug`
    unique: { findBySlug: (slug: string) => ({ where: { slug } }) },
  },
  { id: intId() },
);

// Negative: an Int id needs its id options, as with PrismaRepository.
// @ts-expect-error the id options are required for a number id
definePrismaRepository(prisma, { entityType: 'Article', model: (db) => db.article, mapper, listOrder: [] });

// Positive: a composite id.
export const favorites = definePrismaRepository(
  prisma,
  { entityType: 'Favorite', model: (db) => db.favorite, mapper: favoriteMapper, listOrder: [] },
  { id: compositeId({ memberId: 'int', articleId: 'int' }) },
);

// A Prisma repository offers the keyed update a cached repository sends while change capture reads its table.
declare const postRepository: PrismaRepository<Post, Prisma.ArticleGetPayload<object>>;
export const keyedPosts: KeyStateUpdateRepository<Post> = postRepository;
