/**
 * Laws of the building blocks (beyond their op-spec references): sort is an ordered permutation,
 * topk is a prefix of the descending sort, a cumsum telescopes, split/concat and flip/flip are
 * identities, rounding stays within its bounds; and allclose's API (Promise and sync twins).
 */
import * as T from '@webgrad/tensor';
import { type Tensor, TensorError } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const f64 = { dtype: 'float64' as const };
const vals = (t: Tensor) => Array.from(t.dataSync());
/** A 1-d float64 tensor of small integers (many ties) and, optionally, NaNs. */
const lane = (withNaN: boolean) =>
  fc
    .array(
      withNaN ? fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(Number.NaN)) : fc.integer({ min: -3, max: 3 }),
      {
        maxLength: 20,
      },
    )
    .map((xs) => T.tensor(Float64Array.from(xs)));

describe('sort laws', () => {
  it('argsort is a permutation that orders the values, NaN last, ties by position', () => {
    fc.assert(
      fc.property(lane(true), (x) => {
        const order = vals(T.argsort(x));
        expect([...order].sort((a, b) => a - b)).toEqual(order.map((_, i) => i));
        const xs = vals(x);
        for (let i = 1; i < order.length; i++) {
          const [a, b] = [xs[order[i - 1] as number] as number, xs[order[i] as number] as number];
          const [ia, ib] = [order[i - 1] as number, order[i] as number];
          if (Number.isNaN(a)) expect(Number.isNaN(b) && ia < ib).toBe(true);
          else expect(Number.isNaN(b) || a < b || (a === b && ia < ib)).toBe(true);
        }
      }),
      { numRuns: 100, seed: 1 },
    );
  });
  it('descending order of x is ascending order of -x (no NaN; ties stable in both)', () => {
    fc.assert(
      fc.property(lane(false), (x) => {
        expect(vals(T.argsort(x, -1, { descending: true }))).toEqual(vals(T.argsort(x.neg())));
      }),
      { numRuns: 100, seed: 2 },
    );
  });
  it('topk is the first k of the descending sort; largest: false of the ascending one', () => {
    fc.assert(
      fc.property(lane(true), fc.nat(20), (x, kk) => {
        const k = Math.min(kk, x.size);
        expect(vals(T.topk(x, k).values)).toEqual(vals(T.sort(x, -1, { descending: true })).slice(0, k));
        expect(vals(T.topk(x, k, -1, { largest: false }).indices)).toEqual(vals(T.argsort(x)).slice(0, k));
      }),
      { numRuns: 100, seed: 3 },
    );
  });
  it('topk rejects k beyond the axis', () => {
    expect(() => T.topk(T.ones([3]), 4)).toThrowError(TensorError);
    expect(() => T.topk(T.ones([3]), 4)).toThrowError(
      /topk: k = 4 is out of range for axis 0 of \[3\] \(0 <= k <= 3\)/,
    );
  });
});

describe('scan, split and flip laws', () => {
  it('cumsum telescopes: its differences give x back, its last entry is the sum', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 40 }), (xs) => {
        const x = T.tensor(Float64Array.from(xs));
        const c = vals(T.cumsum(x));
        expect(c.map((v, i) => v - (i > 0 ? (c[i - 1] as number) : 0))).toEqual(xs);
        expect(c.at(-1)).toBe(xs.reduce((a, b) => a + b, 0));
        expect(vals(T.cumprod(T.ones([xs.length])))).toEqual(xs.map(() => 1));
      }),
      { numRuns: 60, seed: 4 },
    );
  });
  it('concat(split(x)) and concat(chunk(x)) are x; flip(flip(x)) is x', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 5 }),
        (shape, k) => {
          const x = T.randn(shape, { ...f64, seed: k });
          const ax = shape.length - 1;
          expect(vals(T.concat(T.split(x, k, ax), ax))).toEqual(vals(x));
          const chunks = T.chunk(x, k, ax);
          expect(chunks.length).toBeLessThanOrEqual(Math.max(k, 1));
          expect(vals(T.concat(chunks, ax))).toEqual(vals(x));
          expect(vals(T.flip(T.flip(x)))).toEqual(vals(x));
        },
      ),
      { numRuns: 60, seed: 5 },
    );
  });
  it('split by sizes checks that they add up', () => {
    expect(T.split(T.arange(5), [2, 0, 3]).map((t) => t.shape)).toEqual([[2], [0], [3]]);
    expect(() => T.split(T.arange(5), [2, 2])).toThrowError(
      /split: sizes \[2, 2\] must be non-negative integers adding up to 5/,
    );
    expect(() => T.chunk(T.arange(5), 0)).toThrowError(/chunk: chunks must be a positive integer, got 0/);
    expect(T.chunk(T.zeros([0]), 3).length).toBe(3);
  });
});

describe('rounding laws', () => {
  it('floor <= x < floor + 1, ceil = -floor(-x), |round(x) - x| <= 1/2, trunc toward 0', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 30 }), (xs) => {
        const x = T.tensor(Float64Array.from(xs));
        const [fl, ce, ro, tr] = [T.floor(x), T.ceil(x), T.round(x), T.trunc(x)].map(vals) as number[][];
        xs.forEach((v, i) => {
          expect(fl?.[i]).toBe(Math.floor(v));
          expect(ce?.[i]).toBe(Math.ceil(v));
          expect(tr?.[i]).toBe(Math.trunc(v));
          const r = ro?.[i] as number;
          expect(Number.isInteger(r) && Math.abs(r - v) <= 0.5).toBe(true);
          if (Math.abs(r - v) === 0.5) expect(r % 2 === 0).toBe(true); // halves to even
        });
      }),
      { numRuns: 100, seed: 6 },
    );
  });
  it('integers pass through; bool is refused', () => {
    const i = T.tensor([1, -2], { dtype: 'int32' });
    expect(T.round(i)).toBe(i);
    expect(() => T.floor(T.tensor([true]))).toThrowError(/floor: does not accept bool tensors/);
  });
});

describe('isclose / allclose', () => {
  it('allclose returns a Promise<boolean>; allcloseSync the same on the CPU', async () => {
    const a = T.tensor([1, 2, Number.POSITIVE_INFINITY]);
    const p = T.allclose(a, T.tensor([1 + 1e-6, 2, Number.POSITIVE_INFINITY]));
    expect(p).toBeInstanceOf(Promise);
    expect(await p).toBe(true);
    expect(T.allcloseSync(a, T.tensor([1.1, 2, Number.POSITIVE_INFINITY]))).toBe(false);
    expect(await T.allclose(T.tensor([Number.NaN]), T.tensor([Number.NaN]))).toBe(false);
    expect(await T.allclose(T.tensor([Number.NaN]), T.tensor([Number.NaN]), { equalNan: true })).toBe(true);
    expect(await T.allclose(T.tensor([[1, 1]]), 1)).toBe(true); // broadcasts, scalars allowed
    expect(await T.allclose(T.tensor([1, 2], { dtype: 'int32' }), T.tensor([1, 2]))).toBe(true);
  });
  it('names isclose when shapes do not broadcast', () => {
    expect(() => T.isclose(T.ones([2]), T.ones([3]))).toThrowError(/^isclose: /);
  });
  it('clamp is clip', async () => {
    expect(T.clamp).toBe(T.clip);
    expect(await T.tensor([-1, 0.5, 2]).clamp(0, 1).array()).toEqual([0, 0.5, 1]);
  });
});
