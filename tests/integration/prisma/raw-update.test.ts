import { translate } from '../../../src/prisma/raw-update';
import { SQLITE_OUTBOX_IF_CHANGED, UpdateStatements } from '../../../src/prisma/raw-update-sql';
import type { FieldRef } from '../../../src/prisma/raw-sql';

const field = (name: string, typeName: string): FieldRef => ({ modelName: 'Thing', name, typeName, isList: false });
const REFS = [
  field('id', 'String'),
  field('name', 'String'),
  field('count', 'Int'),
  field('ratio', 'Float'),
  field('on', 'Boolean'),
  field('at', 'DateTime'),
];
const FIELDS = new Map(REFS.map((ref) => [ref.name, ref]));

describe('translate (Prisma update data to SET assignments)', () => {
  it('takes scalar values and { set } of the field types, skips undefined', () => {
    const at = new Date(5);
    expect(
      translate({ name: { set: 'a' }, count: 3, ratio: 0.5, on: false, at, unknownButUndefined: undefined }, FIELDS),
    ).toEqual([
      ['name', 'a'],
      ['count', 3],
      ['ratio', 0.5],
      ['on', false],
      ['at', at],
    ]);
    expect(translate({ name: null, count: undefined }, FIELDS)).toEqual([['name', null]]);
  });

  it.each([
    ['an operation other than set', { count: { increment: 1 } }],
    ['a key that is not a scalar field', { stories: { connect: { id: 'x' } } }],
    ['the id', { id: 'other' }],
    ['a fraction for an Int', { count: 1.5 }],
    ['an unsafe integer', { count: 2 ** 53 }],
    ['a non-finite Float', { ratio: Number.NaN }],
    ['a string for a DateTime', { at: '2026-01-01T00:00:00Z' }],
    ['an invalid Date', { at: new Date(Number.NaN) }],
    ['a number for a Boolean', { on: 1 }],
    ['nothing to set', { name: undefined }],
    ['not a plain object', new (class Data {})()],
  ])('refuses %s (Prisma updates it)', (_, data) => {
    expect(translate(data, FIELDS)).toBeNull();
  });
});

describe('UpdateStatements', () => {
  const set = [['name', 'b'] as const, ['at', new Date(9)] as const];
  const expected = { id: 'x', name: 'a', count: null, ratio: 1, on: true, at: new Date(1) };

  it('binds every value, in placeholder order, on SQLite', () => {
    const sqlite = new UpdateStatements('sqlite', REFS);
    expect(sqlite.update('x', set)).toEqual({
      sql:
        'UPDATE "Thing" SET "name" = ?, "at" = ? WHERE "id" = ? RETURNING "id", "name", "count", ' +
        '"ratio", "on", "at"',
      values: ['b', new Date(9), 'x'],
    });
    const cas = sqlite.compareAndSet('x', set, expected);
    expect(cas.sql).toBe(
      'UPDATE "Thing" SET "name" = ?, "at" = ? WHERE "id" = ? AND "name" IS ? AND "count" IS ? ' +
        'AND "ratio" IS ? AND "on" IS ? AND "at" IS ? RETURNING "id", "name", "count", "ratio", ' +
        '"on", "at"',
    );
    expect(cas.values).toEqual(['b', new Date(9), 'x', 'a', null, 1, true, new Date(1)]);
    expect(SQLITE_OUTBOX_IF_CHANGED).toBe(
      'INSERT INTO "CacheOutbox" ("keys", "createdAt") SELECT ?, ? WHERE changes() = 1',
    );
  });

  it('numbers placeholders on PostgreSQL and matches NULLs with IS NOT DISTINCT FROM', () => {
    const pg = new UpdateStatements('postgresql', REFS);
    const cas = pg.compareAndSet('x', set, expected);
    expect(cas.sql).toBe(
      'UPDATE "Thing" SET "name" = $1, "at" = $2 WHERE "id" = $3 AND "name" IS NOT DISTINCT FROM $4 AND "count" IS ' +
        'NOT DISTINCT FROM $5 AND "ratio" IS NOT DISTINCT FROM $6 AND "on" IS NOT DISTINCT FROM $7 AND "at" IS NOT ' +
        'DISTINCT FROM $8 RETURNING "id", "name", "count", "ratio", "on", "at"',
    );
    expect(cas.values).toEqual(['b', new Date(9), 'x', 'a', null, 1, true, new Date(1)]);
    expect(pg.compareAndSet('x', set, expected, ['id', 'on']).sql).toContain(
      'WHERE "id" = $3 AND "on" IS NOT DISTINCT FROM $4 RETURNING',
    );
  });

  it(
    'locks the row, compares only the given columns, writes the outbox row when it applied, and returns both rows, ' +
      'on PostgreSQL',
    () => {
      const pg = new UpdateStatements('postgresql', REFS.slice(0, 3));
      const locked = pg.lockedCompareAndSet('x', [['name', 'b']], expected, ['id', 'count'], {
        keys: '["k"]',
        at: new Date(7),
      });
      expect(locked.sql).toBe(
        'WITH "before" AS (SELECT "id", "name", "count" FROM "Thing" WHERE "id" = $2 FOR UPDATE), ' +
          '"after" AS (UPDATE "Thing" SET "name" = $1 FROM "before" WHERE "Thing"."id" = "before"."id" AND ' +
          '"before"."count" IS NOT DISTINCT FROM $3 RETURNING "Thing"."id", "Thing"."name", "Thing"."count"), ' +
          '"outbox" AS (INSERT INTO "CacheOutbox" ("keys", "createdAt") SELECT CAST($4 AS TEXT), CAST($5 AS ' +
          'TIMESTAMP(3)) FROM "after") SELECT "before"."id" AS "before:id", "before"."name" AS "before:name", ' +
          '"before"."count" AS "before:count", "after"."id", "after"."name", "after"."count" FROM "before" ' +
          'LEFT JOIN "after" ON TRUE',
      );
      expect(locked.values).toEqual(['b', 'x', null, '["k"]', new Date(7)]);
      expect(pg.lockedCompareAndSet('x', [['name', 'b']], expected, ['id'], null).sql).not.toContain('CacheOutbox');
    },
  );

  it('returns the locked old row beside the new one on PostgreSQL', () => {
    const { sql, values } = new UpdateStatements('postgresql', REFS.slice(0, 2)).updateReturningBefore('x', [
      ['name', 'b'],
    ]);
    expect(sql).toBe(
      'WITH "before" AS (SELECT "id", "name" FROM "Thing" WHERE "id" = $2 FOR UPDATE) UPDATE ' +
        '"Thing" SET "name" = $1 FROM "before" WHERE "Thing"."id" = "before"."id" RETURNING ' +
        '"before"."id" AS "before:id", "before"."name" AS "before:name", "Thing"."id", ' +
        '"Thing"."name"',
    );
    expect(values).toEqual(['b', 'x']);
  });
});
