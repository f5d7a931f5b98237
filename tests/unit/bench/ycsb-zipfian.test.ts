import { mulberry32 } from '../../../example/infrastructure/seeded-random';
import { zeta, ZipfianGenerator, ZIPFIAN_CONSTANT } from '../../../bench/support/ycsb-zipfian';

describe('YCSB Zipfian generator (Gray et al.)', () => {
  const items = 1000;
  const samples = 400_000;

  it('draws only item numbers 0..items-1, for small and large item counts', () => {
    for (const count of [1, 2, 3, 10, items]) {
      const generator = new ZipfianGenerator(count, mulberry32(count).next);
      for (let i = 0; i < 20_000; i += 1) {
        const item = generator.next();
        expect(Number.isInteger(item)).toBe(true);
        expect(item).toBeGreaterThanOrEqual(0);
        expect(item).toBeLessThan(count);
      }
    }
  });

  it('stays in range at the ends of the uniform source', () => {
    for (const u of [0, 1e-12, 0.5, 1 - 1e-12, 0.999999999]) {
      const item = new ZipfianGenerator(items, () => u).next();
      expect(item).toBeGreaterThanOrEqual(0);
      expect(item).toBeLessThan(items);
    }
  });

  it("gives the most popular items the Zipfian law's frequencies (theta 0.99) on a large sample", () => {
    const generator = new ZipfianGenerator(items, mulberry32(42).next);
    expect(generator.theta).toBe(ZIPFIAN_CONSTANT);
    const counts = new Array<number>(items).fill(0);
    for (let i = 0; i < samples; i += 1) {
      const item = generator.next();
      counts[item] = (counts[item] as number) + 1;
    }
    // Item 0 is exact in Gray's algorithm: P = 1 / zeta(n, theta) (about 0.134 for 1,000 items).
    const top = (counts[0] as number) / samples;
    expect(generator.probability(0)).toBeCloseTo(1 / zeta(items, 0.99), 12);
    expect(Math.abs(top - generator.probability(0)) / generator.probability(0)).toBeLessThan(0.03);
    // Item 1 is exact too (the second branch); further items follow the approximation closely.
    const second = (counts[1] as number) / samples;
    expect(Math.abs(second - generator.probability(1)) / generator.probability(1)).toBeLessThan(0.05);
    // Popularity falls with rank, and the top 10 % of the items take most of the requests (about 0.7 in theory).
    expect(counts[0]).toBeGreaterThan(counts[1] as number);
    expect(counts[1]).toBeGreaterThan(counts[10] as number);
    const top100 = counts.slice(0, 100).reduce((sum, count) => sum + count, 0) / samples;
    let theory = 0;
    for (let rank = 0; rank < 100; rank += 1) theory += generator.probability(rank);
    expect(Math.abs(top100 - theory)).toBeLessThan(0.03);
  });

  it('refuses impossible parameters', () => {
    expect(() => new ZipfianGenerator(0)).toThrow(RangeError);
    expect(() => new ZipfianGenerator(10, Math.random, 1)).toThrow(RangeError);
  });
});
