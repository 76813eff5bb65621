/**
 * Division and powers as NumPy, PyTorch and JAX define them: `/` on integers is true division
 * in float32; floorDiv and remainder follow Python's `//` and `%` (the remainder takes the
 * divisor's sign); integer division by zero and integers to negative powers raise on the CPU.
 * Expected float values were computed with CPython (`a // b`, `a % b`) in float64.
 */
import { floorDiv, pow, remainder, TensorError, tensor } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const i32 = (v: number[]) => tensor(Int32Array.from(v));
const f64 = (v: number[]) => tensor(Float64Array.from(v));
const values = (t: { dataSync(): ArrayLike<number> }) => Array.from(t.dataSync());

function caught(fn: () => unknown): TensorError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TensorError) return e;
    throw e;
  }
  throw new Error('expected a TensorError');
}

describe('div is true division', () => {
  it('int32 / int32 and int32 / number give float32', () => {
    const q = i32([7, -7, 1]).div(i32([2, 2, 3]));
    expect(q.dtype).toBe('float32');
    expect(values(q)).toEqual([3.5, -3.5, Math.fround(1 / 3)]);
    expect(values(i32([7, 0, -1]).div(0))).toEqual([Infinity, Number.NaN, -Infinity]);
    expect(i32([1]).div(2).dtype).toBe('float32');
    expect(values(tensor([true, false]).div(tensor([true, true])))).toEqual([1, 0]);
  });
  it('promotes as usual with floats (int32 / float64 is float64)', () => {
    const q = i32([1]).div(f64([3]));
    expect(q.dtype).toBe('float64');
    expect(values(q)).toEqual([1 / 3]);
  });
});

describe('floorDiv and remainder: Python semantics', () => {
  // Python: [a // b for a, b in ...] and [a % b ...]
  const A = [7, -7, 7, -7, 0, 1, -1, -2147483648, -2147483648, 2147483647];
  const B = [2, 2, -2, -2, 3, -3, 3, -1, 7, -2];
  it('int32 against Python', () => {
    expect(values(floorDiv(i32(A), i32(B)))).toEqual([3, -4, -4, 3, 0, -1, -1, -2147483648, -306783379, -1073741824]);
    expect(values(remainder(i32(A), i32(B)))).toEqual([1, 1, -1, -1, 0, -2, 2, 0, 5, -1]);
    expect(floorDiv(i32(A), i32(B)).dtype).toBe('int32');
  });

  it('int32: a == b * (a // b) + a % b, with 0 <= |a % b| < |b| and the sign of b', () => {
    const int32 = fc.integer({ min: -2147483648, max: 2147483647 });
    const divisor = int32.filter((v) => v !== 0);
    fc.assert(
      fc.property(fc.array(fc.tuple(int32, divisor), { minLength: 1, maxLength: 20 }), (pairs) => {
        const a = pairs.map((p) => p[0]);
        const b = pairs.map((p) => p[1]);
        const q = values(floorDiv(i32(a), i32(b)));
        const r = values(remainder(i32(a), i32(b)));
        pairs.forEach(([x, y], k) => {
          const [bq, br] = [BigInt(x) / BigInt(y), BigInt(x) % BigInt(y)];
          // BigInt truncates: step to the floor when the signs differ.
          const fix = br !== 0n && br < 0n !== y < 0;
          expect(q[k]).toBe(Number(BigInt.asIntN(32, fix ? bq - 1n : bq)));
          expect(r[k]).toBe(Number(fix ? br + BigInt(y) : br));
        });
      }),
      { numRuns: 200 },
    );
  });

  it('floats against Python (float64), including -0, infinities and the fmod-consistent 1 // 0.1 = 9', () => {
    const a = [1, -1, 5.5, -5.5, -0, 0, 1e300, 3, -3, 2.5];
    const b = [0.1, 0.1, -2, 2, 3, -3, 1e-300, Infinity, Infinity, 0.5];
    const q = values(floorDiv(f64(a), f64(b)));
    const r = values(remainder(f64(a), f64(b)));
    expect(q).toEqual([9, -10, -3, -3, -0, -0, Infinity, 0, -1, 5]);
    expect(r).toEqual([
      0.09999999999999995,
      5.551115123125783e-17,
      -0.5,
      0.5,
      0,
      -0,
      4.891554850853602e-301,
      3,
      Infinity,
      0,
    ]);
    expect(Object.is(q[4], -0) && Object.is(r[5], -0)).toBe(true);
  });

  it('floats by zero follow NumPy: x // 0 is +-inf or NaN, x % 0 is NaN', () => {
    expect(values(floorDiv(f64([1, -1, 0]), 0))).toEqual([Infinity, -Infinity, Number.NaN]);
    expect(values(remainder(f64([1, -1, 0]), 0))).toEqual([Number.NaN, Number.NaN, Number.NaN]);
  });

  it('int32 division by zero raises on the CPU, naming the op and the fix', () => {
    for (const [op, fn] of [
      ['floorDiv', floorDiv],
      ['remainder', remainder],
    ] as const) {
      const e = caught(() => fn(i32([1, 2, 3]), i32([1, 0, 1])));
      expect(e.kind).toBe('value');
      expect(e.message).toBe(
        `${op}: integer division by zero (an int32 divisor is 0); replace zero divisors first, e.g. where(b.eq(0), 1, b), or use float operands`,
      );
    }
  });
});

describe('integer pow', () => {
  it('is exact and wraps like int32 arithmetic past 2^53', () => {
    const got = values(pow(i32([3, -3, 7, 2, 0, 1]), i32([40, 21, 23, 31, 0, 1000])));
    const want = [3n ** 40n, (-3n) ** 21n, 7n ** 23n, 2n ** 31n, 1n, 1n].map((v) => Number(BigInt.asIntN(32, v)));
    expect(got).toEqual(want);
  });
  it('to a negative number exponent raises on every device, as NumPy and PyTorch', () => {
    const e = caught(() => i32([2]).pow(-1));
    expect(e.kind).toBe('value');
    expect(e.message).toBe(
      'pow: integers to negative integer powers are not allowed (int32 base, exponent -1); cast the base to float32 first',
    );
    expect(values(i32([2]).pow(-0.5))).toEqual([Math.fround(2 ** -0.5)]); // a float exponent promotes
  });
  it('to a negative tensor exponent raises on the CPU', () => {
    const e = caught(() => i32([2, 3]).pow(i32([1, -2])));
    expect(e.message).toBe(
      'pow: integers to negative integer powers are not allowed (int32 exponent -2); cast the base to float32 first',
    );
  });
});
