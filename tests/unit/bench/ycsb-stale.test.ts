import {
  countStaleReads,
  describeVersion,
  INITIAL_VERSION,
  versionOf,
  versionOfDescription,
  type LoggedRead,
  type LoggedWrite,
} from '../../../bench/support/ycsb-stale';

// The counter's self-check: a synthetic history of two records with known stale reads, and reads that look late but
// are not stale (concurrent with the update, or returning one of two overlapping updates).
describe('YCSB stale-read counter', () => {
  const writes: LoggedWrite[] = [
    // record 1: v1 [10, 20], v2 [30, 40], then two overlapping updates v3 [50, 70] and v4 [60, 65]
    { record: 1, version: 1, start: 10, end: 20 },
    { record: 1, version: 2, start: 30, end: 40 },
    { record: 1, version: 3, start: 50, end: 70 },
    { record: 1, version: 4, start: 60, end: 65 },
    // record 2: one update [100, 110], and one that failed (may or may not be applied)
    { record: 2, version: 5, start: 100, end: 110 },
    { record: 2, version: 6, start: 200, end: Infinity },
  ];

  it('counts reads that started after a newer update completed and returned an older version', () => {
    const stale: LoggedRead[] = [
      { record: 1, version: INITIAL_VERSION, start: 25 }, // v1 completed at 20
      { record: 1, version: 1, start: 45 }, // v2 started after v1 completed and completed at 40
      { record: 1, version: 2, start: 80 }, // v3 and v4 both started after v2 completed and are done
      { record: 2, version: INITIAL_VERSION, start: 300 }, // v5 completed at 110
    ];
    const fine: LoggedRead[] = [
      { record: 1, version: INITIAL_VERSION, start: 5 }, // before any update
      { record: 1, version: INITIAL_VERSION, start: 15 }, // concurrent with v1
      { record: 1, version: 1, start: 35 }, // v2 not yet completed
      { record: 1, version: 3, start: 90 }, // v3 and v4 overlap: either may be the last applied
      { record: 1, version: 4, start: 90 },
      { record: 1, version: 2, start: 62 }, // v3 and v4 still running
      { record: 2, version: 5, start: 300 }, // v6 failed: it never makes a read stale
      { record: 2, version: 6, start: 300 }, // and a read returning it is not stale either
      { record: 3, version: INITIAL_VERSION, start: 1000 }, // a record nobody updated
    ];
    const result = countStaleReads(writes, [...fine, ...stale]);
    expect(result).toMatchObject({ reads: fine.length + stale.length, stale: stale.length, unknown: 0 });
    // The largest lag: read at 300, v5 completed at 110.
    expect(result.maxLagUs).toBe(190);
  });

  it('counts nothing on a history a correct cache produces, in any order of the logs', () => {
    const reads: LoggedRead[] = [
      { record: 1, version: 4, start: 66 }, // v4 done, v3 running: v4 may be the newest
      { record: 1, version: 2, start: 55 },
      { record: 2, version: 5, start: 111 },
    ];
    expect(countStaleReads([...writes].reverse(), [...reads].reverse())).toMatchObject({ stale: 0, unknown: 0 });
  });

  it('reports reads of versions no update wrote', () => {
    expect(countStaleReads(writes, [{ record: 1, version: 99, start: 100 }]).unknown).toBe(1);
    expect(countStaleReads(writes, [{ record: 1, version: Number.NaN, start: 100 }]).unknown).toBe(1);
  });

  it('writes versions into descriptions that are unique across processes and read back', () => {
    const versions = new Set<number>();
    for (let process = 0; process < 4; process += 1)
      for (let sequence = 1; sequence <= 100; sequence += 1) versions.add(versionOf(process, sequence));
    expect(versions.size).toBe(400);
    expect(versions.has(INITIAL_VERSION)).toBe(false);
    const description = describeVersion(versionOf(3, 12345));
    expect(description).toHaveLength(300);
    expect(versionOfDescription(description)).toBe(versionOf(3, 12345));
    expect(versionOfDescription('no version')).toBeNaN();
  });
});
