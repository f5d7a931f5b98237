import fc from 'fast-check';
import { decodeReceipt, encodeReceipt, precedes, receiptCovers } from '../../../src/repository/write-receipt';

describe('write receipts', () => {
  it('cover the write own change and every change before `below`, nothing else', () => {
    const receipt = { below: 10, own: 12 };
    expect([8, 9, 10, 11, 12, 13].map((position) => receiptCovers(receipt, position))).toEqual([
      true,
      true,
      false,
      false,
      true,
      false,
    ]);
    expect(receiptCovers({ below: 10, own: null }, 10)).toBe(false);
  });

  it('compare positions in serial number arithmetic on 32 bits (RFC 1982)', () => {
    expect(precedes(1, 2)).toBe(true);
    expect(precedes(2, 1)).toBe(false);
    expect(precedes(2, 2)).toBe(false);
    expect(precedes(2 ** 32 - 1, 3)).toBe(true); // wrapped
    expect(precedes(3, 2 ** 32 - 1)).toBe(false);
    fc.assert(
      fc.property(fc.nat(2 ** 40), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (position, distance) => {
        expect(precedes(position, position + distance)).toBe(true);
        expect(precedes(position + distance, position)).toBe(false);
      }),
    );
  });

  it('round-trip through their stored form, and anything else reads as no receipt', () => {
    fc.assert(
      fc.property(fc.nat(2 ** 48), fc.option(fc.nat(2 ** 48)), (below, own) => {
        expect(decodeReceipt(encodeReceipt({ below, own }))).toEqual({ below, own });
      }),
    );
    for (const text of [null, '', 'x:1', '1', '1:2:3', '-1:2', '1:-2', '9999999999999999:1'])
      expect(decodeReceipt(text)).toBeNull();
  });
});
