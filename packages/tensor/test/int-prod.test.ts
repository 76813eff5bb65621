/**
 * int32 prod wraps exactly like int32 arithmetic (two's complement, mod 2^32), as the WebGPU
 * kernel does, also once the true product passes 2^53 (where a float64 product would round
 * before wrapping). Reference: BigInt products wrapped with BigInt.asIntN(32, ...).
 */
import { tensor } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';

function wrappedProduct(values: readonly number[]): number {
  let p = 1n;
  for (const v of values) p = BigInt.asIntN(32, p * BigInt(v));
  return Number(p);
}

describe('int32 prod', () => {
  it('wraps exactly past 2^53', () => {
    const values = [123456789, 987654321, 31337, -2147483647, 65537, 3];
    const got = tensor(Int32Array.from(values)).prod().dataSync()[0];
    expect(got).toBe(wrappedProduct(values));
    // The float64 route rounds: (123456789 * 987654321) already exceeds 2^53.
    expect(123456789 * 987654321 > 2 ** 53).toBe(true);
  });

  it('matches the wrapped BigInt product along any axis and layout', () => {
    const int32 = fc.integer({ min: -2147483648, max: 2147483647 });
    fc.assert(
      fc.property(fc.array(int32, { minLength: 6, maxLength: 6 }), fc.boolean(), (vs, transposed) => {
        const x = tensor(Int32Array.from(vs), { shape: [2, 3] });
        const t = transposed ? x.transpose().contiguous().transpose() : x;
        const rows = Array.from(t.prod(1).dataSync());
        const cols = Array.from(t.prod(0).dataSync());
        expect(rows).toEqual([wrappedProduct(vs.slice(0, 3)), wrappedProduct(vs.slice(3))]);
        expect(cols).toEqual([0, 1, 2].map((j) => wrappedProduct([vs[j] as number, vs[j + 3] as number])));
      }),
      { numRuns: 200 },
    );
  });
});
