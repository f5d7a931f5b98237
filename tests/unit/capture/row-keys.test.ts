import { capturedColumns, RowKeys } from 'cachedrepo/capture';
import { defineCacheStrategy, type Entity } from 'cachedrepo';
import { StrategyError } from '../../../src/errors';
import { captureStrategies, itemStrategy } from '../../integration/capture/support/items';

describe('RowKeys: a row change to the keys its strategies make stale', () => {
  const rows = new RowKeys(captureStrategies);

  it('gives the keys of both images, the always-affected ones, grouped by entity type, with their positions', () => {
    const keys = rows.keysOf([
      { table: 'item', before: { id: 'a', list: 'red' }, after: { id: 'a', list: 'green' }, position: 7 },
      { table: 'part', before: null, after: { id: 'p1', itemId: 'a' } },
      { table: 'unknown', before: null, after: { id: 'z' }, position: 8 },
      { table: 'item', before: { id: 'b', list: 'red' }, after: { id: 'b', list: 'red' }, position: 9 },
    ]);
    expect(keys).toEqual({
      ok: true,
      keys: new Map<string, Map<string, number[] | null>>([
        [
          'item',
          new Map([
            ['item:all', [7, 9]],
            ['item:a', [7]],
            ['item:list:red', [7, 9]],
            ['item:list:green', [7]],
            ['item:b', [9]],
          ]),
        ],
        // A change without a position: its keys are always invalidated.
        [
          'part',
          new Map([
            ['part:p1', null],
            ['part:item:a', null],
          ]),
        ],
      ]),
    });
  });

  it('says the keys are unknown when a row image cannot be mapped, rather than skip the change', () => {
    const broken = defineCacheStrategy<Entity>({
      entityType: 'broken',
      namespaces: ['broken'],
      ttlSeconds: 60,
      entityKey: (id) => `broken:${id}`,
      keysOf: (entity) => [`broken:${entity.id}`],
      capture: [
        {
          table: 'item',
          columns: ['id'],
          toEntity: () => {
            throw new Error('no id');
          },
        },
      ],
    });
    const keys = new RowKeys([itemStrategy, broken]).keysOf([{ table: 'item', before: null, after: { id: 'a' } }]);
    expect(keys).toEqual({ ok: false, reason: 'broken: keys of a item row unknown (no id)' });
  });

  it('lists each table once with the union of the columns read', () => {
    expect(capturedColumns(captureStrategies)).toEqual(
      new Map([
        ['item', ['id', 'list']],
        ['part', ['id', 'itemId']],
      ]),
    );
  });

  it('refuses strategies that capture no table', () => {
    expect(() => new RowKeys([])).toThrow(StrategyError);
  });
});
