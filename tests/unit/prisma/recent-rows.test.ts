import { RecentRows } from '../../../src/prisma/recent-rows';

interface Row {
  id: string;
  name: string;
}

describe('RecentRows (rows tried as the before-state of the next update)', () => {
  it('keeps a copy of each row, the newest 1,024 ids, and no object ids', () => {
    const rows = new RecentRows<Row>();
    const row = { id: 'a', name: 'Ariadne' };
    rows.remember('a', row);
    row.name = 'changed by the caller';
    for (let i = 0; i < 1024; i += 1) rows.remember(`x${i}`, { id: `x${i}`, name: 'n' });
    rows.remember({ a: 1 }, { id: 'composite', name: 'n' });

    expect(rows.get('a')).toBeUndefined(); // the oldest, dropped
    expect(rows.get('x0')).toEqual({ id: 'x0', name: 'n' });
    rows.remember('b', row);
    expect(rows.get('b')).toEqual({ id: 'a', name: 'changed by the caller' });
    rows.forget('b');
    expect(rows.get('b')).toBeUndefined();
  });

  it('stops trying while most remembered rows were stale, and tries again once they hold', () => {
    const rows = new RecentRows<Row>();
    expect(rows.worthTrying()).toBe(true);
    rows.found(true);
    rows.found(true);
    expect(rows.worthTrying()).toBe(true); // 2 stale of the last ~8: still pays
    for (let i = 0; i < 6; i += 1) rows.found(true);
    expect(rows.worthTrying()).toBe(false);
    let fresh = 0;
    while (!rows.worthTrying()) {
      rows.found(false);
      fresh += 1;
    }
    expect(fresh).toBeGreaterThan(1);
    expect(fresh).toBeLessThan(12);
  });
});
