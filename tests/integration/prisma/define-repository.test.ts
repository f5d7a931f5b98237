import type { Prisma } from '../../../generated/prisma/client';
import { errors } from 'cachedrepo';
import { compositeId, intId, type AnyEntity } from 'cachedrepo/ids';
import { byCreation, definePrismaRepository, type OrderBy, type RowMapper } from 'cachedrepo/prisma';
import { testDatabaseProvider, useTestDatabase } from '../../example/support/database';

interface Author {
  readonly id: number;
  username: string;
  passwordHash: string;
  bio: string;
  createdAt: Date;
}
interface Post {
  readonly id: number;
  authorId: number;
  title: string;
  body: string;
  createdAt: Date;
}
interface Like {
  readonly id: { memberId: number; articleId: number };
  createdAt: Date;
}

const same = <T extends AnyEntity, Row extends object>(): RowMapper<T, Row> => ({
  toDomain: (row) => ({ ...row }) as unknown as T,
  toCreateData: (input) => ({ ...input }),
  toUpdateData: (changes) => ({ ...changes }),
});
const likeMapper: RowMapper<Like, Prisma.FavoriteGetPayload<object>> = {
  toDomain: ({ memberId, articleId, createdAt }) => ({ id: { memberId, articleId }, createdAt }),
  toCreateData: ({ id }) => ({ ...id }),
  toUpdateData: () => ({}),
};

// definePrismaRepository: a Prisma repository whose finders are declared, not written, on the pass's database (the
// blog models of prisma/schema.prisma: Int and composite ids).
describe(`definePrismaRepository (${testDatabaseProvider()})`, () => {
  const fixture = useTestDatabase();
  const repositories = () => {
    const { prisma } = fixture.db;
    const authors = definePrismaRepository(
      prisma,
      {
        entityType: 'Member',
        model: (db) => db.member,
        mapper: same<Author, Prisma.MemberGetPayload<object>>(),
        listOrder: [{ id: 'asc' }],
        unique: { findByUsername: (username: string) => ({ where: { username } }) },
      },
      { id: intId() },
    );
    const posts = definePrismaRepository(
      prisma,
      {
        entityType: 'Article',
        model: (db) => db.article,
        mapper: same<Post, Prisma.ArticleGetPayload<object>>(),
        listOrder: [{ id: 'asc' }],
        finders: {
          findByAuthor: (authorId: number, page: { limit: number; offset: number }) => ({
            where: { authorId },
            orderBy: [{ id: 'desc' as const }],
            page,
          }),
          findTitled: (prefix: string) => ({ where: { title: { startsWith: prefix } } }),
        },
      },
      { id: intId() },
    );
    const likes = definePrismaRepository(
      prisma,
      {
        entityType: 'Favorite',
        model: (db) => db.favorite,
        mapper: likeMapper,
        listOrder: [{ articleId: 'asc' }],
        finders: { findByMember: (memberId: number) => ({ where: { memberId } }) },
      },
      { id: compositeId({ memberId: 'int', articleId: 'int' }) },
    );
    return { authors, posts, likes };
  };

  it('declared finders read their where, order and page; unique finders the first row or null', async () => {
    const { authors, posts } = repositories();
    const ada = await authors.save({ username: 'ada', passwordHash: 'x', bio: '' });
    const other = await authors.save({ username: 'grace', passwordHash: 'y', bio: '' });
    const written: Post[] = [];
    for (const title of ['a1', 'a2', 'a3', 'b1']) written.push(await posts.save({ authorId: ada.id, title, body: '' }));
    await posts.save({ authorId: other.id, title: 'a9', body: '' });

    expect((await authors.findByUsername('grace'))?.id).toBe(other.id);
    expect(await authors.findByUsername('nobody')).toBeNull();
    const newest = await posts.findByAuthor(ada.id, { limit: 2, offset: 0 });
    expect(newest.map(({ title }) => title)).toEqual(['b1', 'a3']);
    expect((await posts.findByAuthor(ada.id, { limit: 2, offset: 2 })).map(({ title }) => title)).toEqual(['a2', 'a1']);
    expect((await posts.findTitled('a')).map(({ title }) => title)).toEqual(['a1', 'a2', 'a3', 'a9']);
    // The CRUD of PrismaRepository, before-image included.
    const { before, after } = await posts.updateReturningBeforeImage(written[0]!.id, { title: 'z1' });
    expect([before.title, after.title]).toEqual(['a1', 'z1']);
  });

  it('serves a composite id and checks ids', async () => {
    const { authors, posts, likes } = repositories();
    const member = await authors.save({ username: 'linus', passwordHash: 'z', bio: '' });
    const post = await posts.save({ authorId: member.id, title: 't', body: '' });
    await likes.save({ id: { memberId: member.id, articleId: post.id } });
    expect((await likes.findByMember(member.id)).map(({ id }) => id)).toEqual([
      { memberId: member.id, articleId: post.id },
    ]);
    expect(await likes.findById({ memberId: member.id, articleId: post.id })).not.toBeNull();
    await expect(likes.findById({ memberId: 'one', articleId: post.id } as never)).rejects.toBeInstanceOf(
      errors.InvalidIdError,
    );
  });

  it('refuses, when built, a listing order on a column the model lacks (byCreation on a composite id)', () => {
    const define = (listOrder: OrderBy) =>
      definePrismaRepository(
        fixture.db.prisma,
        { entityType: 'Favorite', model: (db) => db.favorite, mapper: likeMapper, listOrder },
        { id: compositeId({ memberId: 'int', articleId: 'int' }) },
      );
    expect(() => define(byCreation)).toThrow(errors.StrategyError);
    expect(() => define(byCreation)).toThrow(
      /Favorite listOrder orders by id, which the model does not have \(its columns: .*memberId.*articleId/,
    );
    expect(() => define([{ memberId: 'asc' }, { articleId: 'desc' }])).not.toThrow();
  });

  it('refuses a finder named like a method the repository has', () => {
    expect(() =>
      definePrismaRepository(
        fixture.db.prisma,
        {
          entityType: 'Article',
          model: (db) => db.article,
          mapper: same<Post, Prisma.ArticleGetPayload<object>>(),
          listOrder: [],
          finders: { findById: (id: number) => ({ where: { id } }) },
        },
        { id: intId() },
      ),
    ).toThrow(
      new errors.StrategyError(
        'Article finder findById: the repository already has a findById (give the finder another name)',
      ),
    );
  });
});
