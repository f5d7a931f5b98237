import { useTestDatabase, testDatabaseProvider } from '../../support/database';

/** How long the test leaves a read pending next to an open transaction: long enough for it to reach the connection. */
const READ_HEAD_START_MS = 50;

/**
 * A read that is not part of an open transaction must never see that transaction's uncommitted
 * writes: a cache filled from such a read would keep a value the database never committed. On
 * PostgreSQL each transaction has its own connection; on SQLite, better-sqlite3 is a single
 * connection, and the app's adapter (SqliteAdapterFactory) holds statements from outside a
 * transaction until it ends (the stock adapter would run them inside it).
 */
describe(`reads next to an open transaction (${testDatabaseProvider()})`, () => {
  const fixture = useTestDatabase();

  it('never return what the transaction wrote and then rolled back', async () => {
    const { prisma } = fixture.db;
    const hero = await prisma.hero.create({
      data: { name: 'Icarus', language: 'el', gender: 'male', description: 'committed' },
    });
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const transaction = prisma
      .$transaction(async (tx) => {
        await tx.hero.update({ where: { id: hero.id }, data: { description: 'uncommitted' } });
        entered();
        await gate;
        throw new Error('rolled back on purpose');
      })
      .catch((error: unknown) => error);

    await inside;
    // Prisma's queries are lazy: Promise.resolve starts them now, while the transaction is open.
    const outside = Promise.resolve(prisma.hero.findUnique({ where: { id: hero.id } }));
    const count = Promise.resolve(prisma.hero.count({ where: { description: 'uncommitted' } }));
    await new Promise((resolve) => setTimeout(resolve, READ_HEAD_START_MS));
    release();

    expect(await transaction).toEqual(new Error('rolled back on purpose'));
    expect((await outside)?.description).toBe('committed');
    expect(await count).toBe(0);
    expect((await prisma.hero.findUnique({ where: { id: hero.id } }))?.description).toBe('committed');
  });

  it('writes from outside a transaction are not rolled back with it', async () => {
    const { prisma } = fixture.db;
    const hero = await prisma.hero.create({
      data: { name: 'Daedalus', language: 'el', gender: 'male', description: 'v1' },
    });
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const transaction = prisma
      .$transaction(async (tx) => {
        await tx.hero.findUnique({ where: { id: hero.id } });
        entered();
        await gate;
        throw new Error('rolled back on purpose');
      })
      .catch((error: unknown) => error);

    await inside;
    const write = Promise.resolve(
      prisma.hero.update({ where: { id: hero.id }, data: { description: 'v2 (outside)' } }),
    );
    await new Promise((resolve) => setTimeout(resolve, READ_HEAD_START_MS));
    release();

    expect(await transaction).toEqual(new Error('rolled back on purpose'));
    expect((await write).description).toBe('v2 (outside)');
    expect((await prisma.hero.findUnique({ where: { id: hero.id } }))?.description).toBe('v2 (outside)');
  });
});
