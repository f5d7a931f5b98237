import 'reflect-metadata';
import type { Redis } from 'ioredis';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { createRedisClient, waitUntilReady } from 'cachedrepo';
import type { ChangeCapture } from 'cachedrepo/capture';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { loadSettings } from '../../../../example/config/settings';
import { registerDataLayer, TOKENS, type DataLayer } from '../../../../example/container';
import { CefrLevel, Gender, Language } from '../../../../example/domain';
import { waitFor, report } from '../../../integration/capture/support/harness';
import { MemoryLogger } from '../../../support/cache';
import { testDatabaseProvider } from '../../support/database';
import { captureDatabase, type CaptureDatabase } from './support';

/**
 * The example application with change capture on (REDIS_CACHE.md section 16), on the pass's database: a write made
 * with plain SQL on a connection of its own, never through a repository, is seen by the next read through the cached
 * repositories once capture applied it.
 */
describe(`example application with change capture (${testDatabaseProvider()})`, () => {
  let server: RedisServerHandle;
  let redis: Redis;
  let db: CaptureDatabase;
  let layer: DataLayer;
  let container: DependencyContainer;
  let capture: ChangeCapture;
  let applied = 0;

  beforeAll(async () => {
    [server, db] = await Promise.all([startRedisServer(), captureDatabase()]);
    redis = createRedisClient({ url: server.url });
    await waitUntilReady(redis, 5000);
    container = rootContainer.createChildContainer();
    layer = registerDataLayer(container, loadSettings({ REDIS_URL: server.url, DATABASE_URL: db.url }), {
      prisma: db.prisma,
      logger: new MemoryLogger(),
    });
    const running = await layer.startCapture({ slot: 'example_capture', pollIntervalMs: 20, leaseMs: 500 });
    if (!running) throw new Error('caching is on: capture must start');
    capture = running.capture;
    await waitFor('the consumer reads', () => capture.health().reading);
    if (db.provider === 'postgresql')
      await waitFor('the first start cleared the prefix', () => capture.health().prefixClears === 1);
  });

  afterAll(async () => {
    await layer?.close();
    redis?.disconnect();
    await server?.stop();
    await db?.close();
  });

  /**
   * Waits until capture applied `rows` more row changes and the outbox is delivered: a repository write is invalidated
   * again by both (harmless), which must not land on entries a test caches afterwards.
   */
  const captured = async (rows: number): Promise<void> => {
    applied += rows;
    await waitFor(`${applied} row changes applied`, () => capture.health().changesApplied >= applied);
    await waitFor('the outbox delivered', async () => (await db.prisma.cacheOutbox.count()) === 0);
  };

  const decksOf = () => container.resolve(TOKENS.DeckRepository);

  const gone =
    (...keys: string[]) =>
    async (): Promise<boolean> =>
      (await redis.exists(...keys)) === 0;

  it('a hero renamed by raw SQL from another connection is read fresh once capture applied it', async () => {
    const heroes = container.resolve(TOKENS.HeroRepository);
    const hero = await heroes.save({
      name: 'Ariadne',
      language: Language.Greek,
      gender: Gender.Female,
      description: null,
    });
    await captured(1);
    expect((await heroes.findById(hero.id))?.name).toBe('Ariadne');
    expect(await heroes.findByName('Ariadne')).toHaveLength(1);
    await waitFor('cached', async () => (await redis.exists(`cache:hero:${hero.id}`, 'cache:hero:name:Ariadne')) === 2);
    const started = Date.now();
    await db.rawSql(`UPDATE "Hero" SET "name" = ? WHERE "id" = ?`, ['Ariadne of Crete', hero.id]);
    await captured(1);
    await waitFor('the hero and both name lists invalidated', gone(`cache:hero:${hero.id}`, 'cache:hero:name:Ariadne'));
    report(`${db.provider} example: raw UPDATE to keys gone (ms)`, Date.now() - started);
    expect((await heroes.findById(hero.id))?.name).toBe('Ariadne of Crete');
    expect(await heroes.findByName('Ariadne')).toEqual([]);
  });

  it('an UPDATE that moves a hero to another language invalidates both language lists', async () => {
    const heroes = container.resolve(TOKENS.HeroRepository);
    const moving = await heroes.save({
      name: 'Theseus',
      language: Language.German,
      gender: Gender.Male,
      description: null,
    });
    await heroes.save({ name: 'Siegfried', language: Language.German, gender: Gender.Male, description: null });
    await captured(2);
    expect((await heroes.findByLanguage(Language.German)).map((h) => h.name).sort()).toEqual(['Siegfried', 'Theseus']);
    expect(await heroes.findByLanguage(Language.Spanish)).toEqual([]);
    await waitFor(
      'both lists cached',
      async () => (await redis.exists('cache:hero:lang:de', 'cache:hero:lang:es')) === 2,
    );
    await db.rawSql(`UPDATE "Hero" SET "language" = ? WHERE "id" = ?`, ['es', moving.id]);
    await captured(1);
    await waitFor('both language lists invalidated', gone('cache:hero:lang:de', 'cache:hero:lang:es'));
    expect((await heroes.findByLanguage(Language.German)).map((h) => h.name)).toEqual(['Siegfried']);
    expect((await heroes.findByLanguage(Language.Spanish)).map((h) => h.name)).toEqual(['Theseus']);
  });

  it('a card moved to another deck by raw SQL invalidates both decks with their cards', async () => {
    const decks = container.resolve(TOKENS.DeckRepository);
    const cards = container.resolve(TOKENS.CardRepository);
    const from = await decks.save({ name: 'From', description: null, level: CefrLevel.A1, isActive: true });
    const to = await decks.save({ name: 'To', description: null, level: CefrLevel.A2, isActive: true });
    const card = await cards.save({ deckId: from.id, front: 'ja', back: 'yes', example: null, orderIndex: 0 });
    await captured(3);
    expect((await decks.findWithCards(from.id))?.cards).toHaveLength(1);
    expect((await decks.findWithCards(to.id))?.cards).toEqual([]);
    expect(await cards.findByDeckId(to.id)).toEqual([]);
    const keys = [`cache:decks:${from.id}:full`, `cache:decks:${to.id}:full`, `cache:cards:deck:${to.id}`];
    await waitFor('cached', async () => (await redis.exists(...keys)) === keys.length);
    await db.rawSql(`UPDATE "Card" SET "deckId" = ? WHERE "id" = ?`, [to.id, card.id]);
    await captured(1);
    await waitFor('both decks invalidated', gone(...keys));
    expect((await decks.findWithCards(from.id))?.cards).toEqual([]);
    expect((await decks.findWithCards(to.id))?.cards.map((c) => c.id)).toEqual([card.id]);
    expect((await cards.findByDeckId(to.id)).map((c) => c.id)).toEqual([card.id]);
  });

  /**
   * Card -> Deck is ON DELETE CASCADE: deleting a deck deletes its cards in the database, rows no repository wrote.
   * The deck's own write clears `cards:deck:{deckId}`; each card's `cards:{id}` is cleared by capture alone.
   */
  describe.each([
    ['through the deck repository', async (deckId: string) => void (await decksOf().delete(deckId))],
    [
      'by raw SQL from another connection',
      (deckId: string) => db.rawSql(`DELETE FROM "Deck" WHERE "id" = ?`, [deckId]),
    ],
  ])('a deck deleted %s', (_how, deleteDeck) => {
    it('takes its cards with it (ON DELETE CASCADE), and capture invalidates every cascaded card key', async () => {
      const decks = decksOf();
      const cards = container.resolve(TOKENS.CardRepository);
      const deck = await decks.save({ name: 'Doomed', description: null, level: CefrLevel.B1, isActive: true });
      const fronts = ['eins', 'zwei', 'drei'];
      const saved = [];
      for (const [orderIndex, front] of fronts.entries())
        saved.push(await cards.save({ deckId: deck.id, front, back: front, example: null, orderIndex }));
      await captured(1 + fronts.length);
      for (const card of saved) expect((await cards.findById(card.id))?.deckId).toBe(deck.id);
      expect(await cards.findByDeckId(deck.id)).toHaveLength(fronts.length);
      expect((await decks.findWithCards(deck.id))?.cards).toHaveLength(fronts.length);
      const keys = [
        ...saved.map((card) => `cache:cards:${card.id}`),
        `cache:cards:deck:${deck.id}`,
        `cache:decks:${deck.id}:full`,
      ];
      await waitFor('cached', async () => (await redis.exists(...keys)) === keys.length);
      const started = Date.now();
      await deleteDeck(deck.id);
      // The deck's row and its cards' rows, from the deck's delete and the cascade.
      await captured(1 + fronts.length);
      await waitFor('every cascaded card key invalidated', gone(...keys), 10_000);
      report(`${db.provider} example: deck delete cascading to 3 cards, to every key gone (ms)`, Date.now() - started);
      expect(await db.prisma.card.count({ where: { deckId: deck.id } })).toBe(0);
      for (const card of saved) expect(await cards.findById(card.id)).toBeNull();
      expect(await cards.findByDeckId(deck.id)).toEqual([]);
      expect(await decks.findWithCards(deck.id)).toBeNull();
    });
  });
});
