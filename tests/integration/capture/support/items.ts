import { defineCacheStrategy, defineKeySchema, type Entity } from 'cachedrepo';
import { type RowImage } from '../../../../src/repository/captured-table';

/**
 * The captured entities of the capture tests: items in lists, and parts of an item (deleted with it by
 * `ON DELETE CASCADE`). Keys `item:{id}`, `item:list:{list}`, `item:all`; `part:{id}`, `part:item:{itemId}`.
 */
export interface Item extends Entity {
  list: string;
  name: string;
}

export interface Part extends Entity {
  itemId: string;
}

export const itemKeys = defineKeySchema({ byId: 'item:{id}', byList: 'item:list:{list}', all: 'item:all' });
export const partKeys = defineKeySchema({ byId: 'part:{id}', byItem: 'part:item:{itemId}' });

const text = (row: RowImage, column: string): string => String(row[column]);

export const itemStrategy = defineCacheStrategy<Item>({
  entityType: 'item',
  namespaces: [itemKeys.$namespace],
  ttlSeconds: 3600,
  entityKey: (id) => itemKeys.byId({ id }),
  keysOf: (item) => [itemKeys.byId({ id: item.id }), itemKeys.byList({ list: item.list })],
  alwaysAffected: [itemKeys.all()],
  // keysOf reads id and list only.
  capture: [
    {
      table: 'item',
      columns: ['id', 'list'],
      toEntity: (row) => ({ id: text(row, 'id'), list: text(row, 'list') }) as Item,
    },
  ],
});

export const partStrategy = defineCacheStrategy<Part>({
  entityType: 'part',
  namespaces: [partKeys.$namespace],
  ttlSeconds: 3600,
  entityKey: (id) => partKeys.byId({ id }),
  keysOf: (part) => [partKeys.byId({ id: part.id }), partKeys.byItem({ itemId: part.itemId })],
  capture: [
    {
      table: 'part',
      columns: ['id', 'itemId'],
      toEntity: (row) => ({ id: text(row, 'id'), itemId: text(row, 'itemId') }),
    },
  ],
});

export const captureStrategies = [itemStrategy, partStrategy];

/** The tables, in SQL both databases accept (`part` rows go with their item). */
export const ITEM_TABLES_SQL = [
  'CREATE TABLE item (id TEXT PRIMARY KEY, list TEXT NOT NULL, name TEXT NOT NULL)',
  'CREATE TABLE part (id TEXT PRIMARY KEY, "itemId" TEXT NOT NULL REFERENCES item(id) ON DELETE CASCADE)',
];
