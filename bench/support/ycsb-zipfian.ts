/**
 * YCSB's ZipfianGenerator (Gray et al., "Quickly Generating Billion-Record Synthetic Databases", SIGMOD 1994), as
 * YCSB's core workloads use it with `requestdistribution=zipfian` and its constant 0.99.
 *
 * Not scrambled: item 0 is the most popular, item 1 the second... YCSB's ScrambledZipfianGenerator hashes the rank
 * (FNV) only so that hot records are not neighbours in an ordered store; every cache here addresses a record by a
 * hashed key, so where the hot records sit does not matter, and the unscrambled ranks keep the popularity exact
 * (the hash folds a 10-billion-item Zipfian onto the item count, which changes it slightly).
 */

/** YCSB's default Zipfian constant. */
export const ZIPFIAN_CONSTANT = 0.99;

/** The generalized harmonic number: sum over i = 1..n of 1 / i^theta. */
export function zeta(n: number, theta: number): number {
  let sum = 0;
  for (let i = 1; i <= n; i += 1) sum += 1 / i ** theta;
  return sum;
}

/** Draws item numbers 0..items-1 with Zipfian popularity. */
export class ZipfianGenerator {
  readonly items: number;
  readonly theta: number;
  readonly zetan: number;
  readonly #alpha: number;
  readonly #eta: number;
  readonly #random: () => number;

  /**
   * @param items how many items (records), at least 1
   * @param random a uniform source in [0, 1) @default Math.random
   * @param theta the Zipfian constant, in (0, 1) @default 0.99
   */
  constructor(items: number, random: () => number = Math.random, theta = ZIPFIAN_CONSTANT) {
    if (!Number.isInteger(items) || items < 1) throw new RangeError(`items must be a positive integer, got ${items}`);
    if (!(theta > 0 && theta < 1)) throw new RangeError(`theta must be in (0, 1), got ${theta}`);
    this.items = items;
    this.theta = theta;
    this.zetan = zeta(items, theta);
    this.#alpha = 1 / (1 - theta);
    this.#eta = (1 - (2 / items) ** (1 - theta)) / (1 - zeta(2, theta) / this.zetan);
    this.#random = random;
  }

  /** The probability of item `rank` (0-based) under the exact Zipfian law the generator approximates. */
  probability(rank: number): number {
    return 1 / ((rank + 1) ** this.theta * this.zetan);
  }

  next(): number {
    const u = this.#random();
    const uz = u * this.zetan;
    if (uz < 1) return 0;
    if (uz < 1 + 0.5 ** this.theta) return Math.min(1, this.items - 1);
    const item = Math.floor(this.items * (this.#eta * u - this.#eta + 1) ** this.#alpha);
    // u close to 1 can round to `items`: YCSB clamps the same way.
    return Math.min(item, this.items - 1);
  }
}
