import { randomUUID } from 'node:crypto';
import { PrismaHeroRepository } from '../../../example/infrastructure/prisma';
import { Gender, Language } from '../../../example/domain';
import { PointReads } from '../../../src/prisma/point-reads';
import { useTestDatabase } from '../../example/support/database';
import { loggedClient, type LoggedClient } from '../../example/integration/databases/support/logged-client';

// PointReads (src/prisma/point-reads.ts) behind PrismaRepository.findById, on real SQLite and PostgreSQL (jest's sqlite
// and postgresql projects): the reads of one tick are one statement, each read gets its own row.

const hero = (name: string) => ({ name, language: Language.Greek, gender: Gender.Female, description: `${name}.` });
const pointSelects = (logged: LoggedClient) =>
  logged.statements.filter((sql) => sql.startsWith('SELECT') && sql.includes('FROM "Hero" WHERE "id"'));

describe('PointReads', () => {
  const fixture = useTestDatabase();
  let logged: LoggedClient;
  let heroes: PrismaHeroRepository;
  let ids: string[];

  beforeAll(async () => {
    logged = loggedClient(fixture.db);
    heroes = new PrismaHeroRepository(logged.prisma);
    ids = [];
    for (const name of ['Ariadne', 'Phaedra', 'Medea', 'Circe']) ids.push((await heroes.save(hero(name))).id);
    await heroes.findById(ids[0] as string); // the probe, before the counted reads
  });

  afterAll(() => logged?.prisma.$disconnect());

  it('sends the findById calls of one tick as one SELECT ... IN, each read getting its own row or null', async () => {
    const missing = randomUUID();
    const before = pointSelects(logged).length;
    const found = await Promise.all([...ids, missing].map((id) => heroes.findById(id)));
    expect(found.map((row) => row?.name ?? null)).toEqual(['Ariadne', 'Phaedra', 'Medea', 'Circe', null]);
    expect(found.map((row) => row?.id ?? null)).toEqual([...ids, null]);
    const sent = pointSelects(logged).slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/WHERE "id" IN \((\?|\$1), /);
  });

  it('sends a read alone as the one-row SELECT', async () => {
    const before = pointSelects(logged).length;
    expect((await heroes.findById(ids[1] as string))?.name).toBe('Phaedra');
    const sent = pointSelects(logged).slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/WHERE "id" = (\?|\$1)$/);
  });

  it('hands reads of the same id in one tick equal rows that are not the same objects', async () => {
    const [a, b] = await Promise.all([heroes.findById(ids[2] as string), heroes.findById(ids[2] as string)]);
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
    expect(a?.createdAt).not.toBe(b?.createdAt);
  });

  it('reads what a write that completed before the reads began wrote', async () => {
    await heroes.update(ids[3] as string, { description: 'Changed.' });
    const found = await Promise.all(ids.map((id) => heroes.findById(id)));
    expect(found[3]?.description).toBe('Changed.');
  });

  it('splits a tick of more than 500 ids into statements of 500', async () => {
    const before = pointSelects(logged).length;
    const many = Array.from({ length: 1_201 }, (_, index) => (index === 700 ? (ids[0] as string) : randomUUID()));
    const found = await Promise.all(many.map((id) => heroes.findById(id)));
    expect(found.filter((row) => row !== null).map((row) => row?.name)).toEqual(['Ariadne']);
    expect(found[700]?.name).toBe('Ariadne');
    expect(pointSelects(logged).slice(before)).toHaveLength(3);
  });

  it("rejects every read of a statement that failed, with the statement's error", async () => {
    const list = fixture.db.provider === 'sqlite' ? '?, ?' : '$1, $2';
    const reads = new PointReads<{ id: string }>(logged.prisma, {
      one: 'SELECT "id" FROM "NoSuchTable" WHERE "id" = ?',
      many: () => `SELECT "id" FROM "NoSuchTable" WHERE "id" IN (${list})`,
    });
    const results = await Promise.allSettled([reads.read('a'), reads.read('b')]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    const [first] = results as [PromiseRejectedResult, PromiseRejectedResult];
    expect(String(first.reason)).toMatch(/NoSuchTable|no such table|does not exist/i);
  });
});
