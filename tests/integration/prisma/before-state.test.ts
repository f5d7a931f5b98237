import { BeforeStateReader } from '../../../src/prisma/before-state';
import {
  outboxRawSql,
  parameter,
  quoteIdentifier,
  rawSqlDialect,
  sameShape,
  sameValues,
} from '../../../src/prisma/raw-sql';

type Row = { id: string; name: string; at: Date; score: number | null };

const field = (name: string, typeName: string, modelName = 'Thing') => ({ modelName, name, typeName, isList: false });
const FIELDS = {
  id: field('id', 'String'),
  name: field('name', 'String'),
  at: field('at', 'DateTime'),
  score: field('score', 'Float'),
};

/** A client and delegate that answer from two tables of rows: what raw SQL sees and what Prisma's queries see. */
function fakes(provider: string, raw: Row[], compiled: Row[], fields: unknown = FIELDS) {
  const calls: string[] = [];
  const client = {
    _activeProvider: provider,
    $queryRawUnsafe: <R>(sql: string, id: unknown): Promise<R> => {
      calls.push(sql);
      if (sql.includes('"Missing"')) return Promise.reject(new Error('no such table: Missing'));
      return Promise.resolve(raw.filter((row) => row.id === id) as R);
    },
    $executeRawUnsafe: () => Promise.resolve(0),
  };
  const model = {
    fields,
    findUnique: ({ where }: { where: { id: string } }) =>
      Promise.resolve(compiled.find((row) => row.id === where.id) ?? null),
  };
  return { client, model, calls };
}

const row = (overrides: Partial<Row> = {}): Row => ({
  id: 'a',
  name: 'Ada',
  at: new Date(1_000),
  score: 1.5,
  ...overrides,
});

describe('BeforeStateReader', () => {
  it(
    'uses the raw SELECT once the probe found the same row both ways: FOR UPDATE on ' + 'PostgreSQL, $n parameters',
    async () => {
      const { client, model } = fakes('postgresql', [row()], [row()]);
      const reader = new BeforeStateReader<Row>(client, model);
      expect(await reader.statementFor('a')).toBe(
        'SELECT "id", "name", "at", "score" FROM "Thing" WHERE "id" = $1 FOR UPDATE',
      );
      expect(reader.verified).toBe(true);
    },
  );

  it('writes ? parameters and no FOR UPDATE on SQLite', async () => {
    const { client, model } = fakes('sqlite', [row()], [row()]);
    expect(await new BeforeStateReader<Row>(client, model).statementFor('a')).toBe(
      'SELECT "id", "name", "at", "score" FROM "Thing" WHERE "id" = ?',
    );
  });

  it('refuses when raw SQL fails (a model mapped to another table)', async () => {
    const { client, model } = fakes('sqlite', [row()], [row()], { id: field('id', 'String', 'Missing') });
    const reader = new BeforeStateReader<Row>(client, model);
    expect(await reader.statementFor('a')).toBeNull();
    expect(reader.verified).toBe(false);
  });

  it('refuses when the raw row has other columns or types than the model row', async () => {
    const { client, model } = fakes('sqlite', [{ ...row(), at: '1970-01-01' as unknown as Date }], [row()]);
    expect(await new BeforeStateReader<Row>(client, model).statementFor('a')).toBeNull();
  });

  it('probes again while there is nothing to compare, and gives up after three rows that differ', async () => {
    const { client, model, calls } = fakes('postgresql', [row({ name: 'other table' })], [row()]);
    const reader = new BeforeStateReader<Row>(client, model);
    expect(await reader.statementFor('absent')).toBeNull();
    expect(await reader.statementFor('a')).toBeNull();
    expect(await reader.statementFor('a')).toBeNull();
    expect(await reader.statementFor('a')).toBeNull();
    expect(await reader.statementFor('a')).toBeNull();
    expect(calls).toHaveLength(4); // the fifth call asked nothing: refused after three differing rows
  });

  it.each([
    ['another database', 'mysql', FIELDS],
    ['a type raw SQL returns otherwise (Decimal)', 'postgresql', { ...FIELDS, price: field('price', 'Decimal') }],
    ['a list field', 'postgresql', { ...FIELDS, tags: { ...field('tags', 'String'), isList: true } }],
    ['no id field', 'postgresql', { name: field('name', 'String') }],
    ['no field references', 'postgresql', null],
  ])('never uses raw SQL for %s', async (_, provider, fields) => {
    const { client, model, calls } = fakes(provider, [row()], [row()], fields);
    expect(await new BeforeStateReader<Row>(client, model).statementFor('a')).toBeNull();
    expect(calls).toEqual([]);
  });
});

describe('raw SQL helpers', () => {
  it('tell the dialect from the generated client, placeholders and identifiers', () => {
    expect([
      rawSqlDialect({ _activeProvider: 'sqlite' }),
      rawSqlDialect({ _activeProvider: 'postgresql' }),
      rawSqlDialect({ _activeProvider: 'sqlserver' }),
      rawSqlDialect({}),
    ]).toEqual(['sqlite', 'postgresql', null, null]);
    expect([parameter('sqlite', 2), parameter('postgresql', 2)]).toEqual(['?', '$2']);
    expect(quoteIdentifier('CacheOutbox')).toBe('"CacheOutbox"');
    expect(() => quoteIdentifier('a"; DROP TABLE x; --')).toThrow('Not a plain identifier');
    expect(outboxRawSql('postgresql')).toBe('INSERT INTO "CacheOutbox" ("keys", "createdAt") VALUES ($1, $2)');
  });

  it('compare rows by columns and types, then by values (Dates by time)', () => {
    expect(sameShape(row(), row({ score: null }))).toBe(true);
    expect(sameShape(row(), { ...row(), extra: 1 })).toBe(false);
    expect(sameShape(row(), row({ at: 'x' as unknown as Date }))).toBe(false);
    expect(sameValues(row(), row({ at: new Date(1_000) }))).toBe(true);
    expect(sameValues(row(), row({ at: new Date(1_001) }))).toBe(false);
  });
});
