/**
 * Property tests of the CPU kernels whose speed tricks could hide wrong answers: the blocked and
 * thin matmul paths (sizes around the 4x4 block and the 64-row chunk, transposed / strided /
 * offset operands, broadcast batch dims) and reductions over permuted and sliced views, each
 * against a naive float64 reference on the same logical values.
 */

import { type DType, getCpuKernels, type Tensor, tensor } from '@webgrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

type Layout = 'contiguous' | 'transposed' | 'strided' | 'offset';
const LAYOUTS: Layout[] = ['contiguous', 'transposed', 'strided', 'offset'];

/** Logical row-major values with a shape. */
interface Arr {
  shape: number[];
  values: number[];
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Deterministic values in [-2, 2), rounded to the dtype so the reference sees what the kernel sees. */
function values(n: number, seed: number, dtype: DType): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const v = (s / 2 ** 32) * 4 - 2;
    return dtype === 'float32' ? Math.fround(v) : v;
  });
}

/** A tensor whose logical values are `a`, stored so that its last two axes have `layout`. */
function build(a: Arr, layout: Layout, dtype: DType): Tensor {
  const nd = a.shape.length;
  const [r, c] = [a.shape[nd - 2] as number, a.shape[nd - 1] as number];
  const batch = a.shape.slice(0, -2);
  const at = (b: number, i: number, j: number) => a.values[b * r * c + i * c + j] as number;
  const nb = size(batch);
  const stored: number[] = [];
  if (layout === 'contiguous') return tensor(Float64Array.from(a.values), { shape: a.shape, dtype });
  if (layout === 'transposed') {
    for (let b = 0; b < nb; b++) for (let j = 0; j < c; j++) for (let i = 0; i < r; i++) stored.push(at(b, i, j));
    return tensor(Float64Array.from(stored), { shape: [...batch, c, r], dtype }).swapAxes(-1, -2);
  }
  if (layout === 'strided') {
    // Every other column of a [.., r, 2c] matrix (NaN in the gaps: any read of them shows).
    for (let b = 0; b < nb; b++)
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) stored.push(at(b, i, j), Number.NaN);
    const full = tensor(Float64Array.from(stored), { shape: [...batch, r, 2 * c], dtype });
    return full.slice(...batch.map(() => null), null, [0, 2 * c, 2]);
  }
  // offset: rows 1.. of a [.., r + 1, c] matrix whose first row is NaN.
  for (let b = 0; b < nb; b++) {
    for (let j = 0; j < c; j++) stored.push(Number.NaN);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) stored.push(at(b, i, j));
  }
  const full = tensor(Float64Array.from(stored), { shape: [...batch, r + 1, c], dtype });
  return full.slice(...batch.map(() => null), [1, r + 1], null);
}

/** Index into a broadcast operand of shape `shape` from an output batch index. */
function batchIndex(outBatch: readonly number[], idx: readonly number[], shape: readonly number[]): number {
  const lead = outBatch.length - shape.length;
  let flat = 0;
  shape.forEach((d, i) => {
    flat = flat * d + (d === 1 ? 0 : (idx[i + lead] as number));
  });
  return flat;
}

/** Naive batched matmul in float64, plus sum |a||b| per output for the error bound. */
function refMatmul(a: Arr, b: Arr, outBatch: number[]): { c: number[]; mag: number[] } {
  const [M, K] = a.shape.slice(-2) as [number, number];
  const N = b.shape[b.shape.length - 1] as number;
  const c: number[] = [];
  const mag: number[] = [];
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  for (let t = 0; t < size(outBatch); t++) {
    const idx: number[] = [];
    for (let i = outBatch.length - 1, rem = t; i >= 0; i--) {
      idx[i] = rem % (outBatch[i] as number);
      rem = Math.floor(rem / (outBatch[i] as number));
    }
    const ao = batchIndex(outBatch, idx, aBatch) * M * K;
    const bo = batchIndex(outBatch, idx, bBatch) * K * N;
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        let m = 0;
        for (let k = 0; k < K; k++) {
          const p = (a.values[ao + i * K + k] as number) * (b.values[bo + k * N + j] as number);
          s += p;
          m += Math.abs(p);
        }
        c.push(s);
        mag.push(m);
      }
  }
  return { c, mag };
}

/**
 * TS kernels: float32 results are the float64 sum rounded once; float64 sums may differ by
 * reassociation. The wasm kernels accumulate float32 in float32 (f32x4, like BLAS), so they get
 * the classic bound for a K-term dot product, gamma_(K+1) * sum |a||b| with gamma_n = n u / (1 - n u)
 * and u = 2^-24 (Higham, "Accuracy and Stability of Numerical Algorithms", 3.1).
 */
function expectClose(got: ArrayLike<number>, want: number[], mag: number[], dtype: DType, K: number): void {
  expect(got.length).toBe(want.length);
  const n = K + 1;
  const gamma = (n * 2 ** -24) / (1 - n * 2 ** -24);
  const f32Accumulates = getCpuKernels() === 'wasm';
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as number;
    const tol =
      dtype === 'float32' && f32Accumulates
        ? gamma * (mag[i] as number)
        : 1e-13 * (mag[i] as number) + (dtype === 'float32' ? 2 ** -23 * Math.abs(w) : 0);
    if (!(Math.abs((got[i] as number) - w) <= tol)) expect.fail(`element ${i}: got ${got[i]}, want ${w} (tol ${tol})`);
  }
}

const dim = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 70 }));
const dtypeArb = fc.constantFrom<DType>('float32', 'float64');

describe('cpu matmul kernel', () => {
  it('matches a naive product for any sizes and operand layouts', () => {
    fc.assert(
      fc.property(
        dim,
        dim,
        dim,
        fc.constantFrom(...LAYOUTS),
        fc.constantFrom(...LAYOUTS),
        dtypeArb,
        fc.integer(),
        (M, K, N, la, lb, dtype, seed) => {
          const a = { shape: [M, K], values: values(M * K, seed, dtype) };
          const b = { shape: [K, N], values: values(K * N, seed + 1, dtype) };
          const out = build(a, la, dtype).matmul(build(b, lb, dtype));
          expect(out.shape).toEqual([M, N]);
          const { c, mag } = refMatmul(a, b, []);
          expectClose(out.dataSync(), c, mag, dtype, K);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('broadcasts batch dims (including size-1 and missing ones)', () => {
    const batchDim = fc.constantFrom(1, 2, 3);
    fc.assert(
      fc.property(
        fc.array(batchDim, { minLength: 1, maxLength: 3 }),
        fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 0, max: 1 }),
        fc.tuple(fc.integer({ min: 1, max: 11 }), fc.integer({ min: 1, max: 11 }), fc.integer({ min: 1, max: 11 })),
        fc.constantFrom(...LAYOUTS),
        dtypeArb,
        (outBatch, oneA, oneB, dropB, [M, K, N], lb, dtype) => {
          // Each operand sees the batch dims as-is or as 1; b may also lack the leading one.
          const aBatch = outBatch.map((d, i) => (oneA[i] ? 1 : d));
          const bBatch = outBatch.map((d, i) => (oneB[i] ? 1 : d)).slice(Math.min(dropB, outBatch.length - 1));
          const fullBatch = outBatch.map((_, i) => {
            const bi = i - (outBatch.length - bBatch.length);
            return Math.max(aBatch[i] as number, bi >= 0 ? (bBatch[bi] as number) : 1);
          });
          const a = { shape: [...aBatch, M, K], values: values(size(aBatch) * M * K, 7, dtype) };
          const b = { shape: [...bBatch, K, N], values: values(size(bBatch) * K * N, 8, dtype) };
          const out = build(a, 'contiguous', dtype).matmul(build(b, lb, dtype));
          expect(out.shape).toEqual([...fullBatch, M, N]);
          const { c, mag } = refMatmul(a, b, fullBatch);
          expectClose(out.dataSync(), c, mag, dtype, K);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('keeps float64 inputs in float64 (1 + 2^-30 is not a float32) on the thin and blocked paths', () => {
    const x = 1 + 2 ** -30;
    for (const n of [1, 5]) {
      // All n products are equal, so the exact float64 answer does not depend on summation order.
      let want = 0;
      for (let k = 0; k < n; k++) want += x * x;
      const a = tensor(new Float64Array(n * n).fill(x), { shape: [n, n], dtype: 'float64' });
      const got = a.matmul(a).dataSync();
      for (const v of got) expect(v).toBe(want);
    }
  });
});

/** A permutation of 0..n-1 from a seed. */
function permutation(n: number, seed: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1, s = seed >>> 0; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [p[i], p[j]] = [p[j] as number, p[i] as number];
  }
  return p;
}

describe('cpu reduction kernel', () => {
  const shapeArb = fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 });
  it('sum / max / prod over any axes of permuted and sliced views match a naive fold', () => {
    fc.assert(
      fc.property(
        shapeArb,
        fc.integer(),
        fc.constantFrom('sum', 'max', 'prod'),
        fc.boolean(),
        dtypeArb,
        (shape, seed, op, sliced, dtype) => {
          const nd = shape.length;
          const perm = permutation(nd, seed);
          // Logical tensor x of `shape`: stored permuted (and with every other element of axis 0).
          const logical = values(size(shape), seed, dtype).map((v) =>
            op === 'prod' ? (dtype === 'float32' ? Math.fround(1 + v / 8) : 1 + v / 8) : v,
          );
          const storedShape = perm.map((p) => shape[p] as number);
          if (sliced) storedShape[0] = 2 * (storedShape[0] as number);
          const stored = new Float64Array(size(storedShape)).fill(Number.NaN);
          const sStrides = storedShape.map((_, i) => size(storedShape.slice(i + 1)));
          const lStrides = shape.map((_, i) => size(shape.slice(i + 1)));
          for (let f = 0; f < logical.length; f++) {
            // Stored index of logical element f: stored axis i holds logical axis perm[i].
            let at = 0;
            perm.forEach((p, i) => {
              const li = Math.floor(f / (lStrides[p] as number)) % (shape[p] as number);
              at += (i === 0 && sliced ? 2 * li : li) * (sStrides[i] as number);
            });
            stored[at] = logical[f] as number;
          }
          let x = tensor(stored, { shape: storedShape, dtype });
          if (sliced) x = x.slice([0, storedShape[0], 2]);
          x = x.permute(...perm.map((_, i) => perm.indexOf(i)));
          expect(x.shape).toEqual(shape);
          const axes = shape.map((_, i) => i).filter((i) => ((seed >>> i) & 1) === 1);
          const got = (op === 'sum' ? x.sum(axes) : op === 'max' ? x.max(axes) : x.prod(axes)).dataSync();
          // Reference: fold the logical values into the kept positions.
          const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
          const acc = new Array<number>(size(kept)).fill(op === 'sum' ? 0 : op === 'max' ? -Infinity : 1);
          const mag = new Array<number>(size(kept)).fill(0);
          const kStrides = kept.map((_, i) => size(kept.slice(i + 1)));
          logical.forEach((v, f) => {
            let o = 0;
            shape.forEach((d, i) => {
              if (!axes.includes(i)) o += (Math.floor(f / (lStrides[i] as number)) % d) * (kStrides[i] as number);
            });
            const cur = acc[o] as number;
            acc[o] = op === 'sum' ? cur + v : op === 'max' ? Math.max(cur, v) : cur * v;
            mag[o] = (mag[o] as number) + Math.abs(v);
          });
          expect(got.length).toBe(acc.length);
          acc.forEach((w, i) => {
            const r = dtype === 'float32' ? Math.fround(w) : w;
            const tol =
              op === 'max'
                ? 0
                : 1e-13 * Math.max(mag[i] as number, 1) + (dtype === 'float32' ? 2 ** -23 * Math.abs(w) : 0);
            if (!(Math.abs((got[i] as number) - r) <= tol)) expect.fail(`${op} element ${i}: got ${got[i]}, want ${r}`);
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('max propagates NaN wherever it sits in the unrolled fold', () => {
    for (let n = 1; n <= 9; n++)
      for (let at = 0; at < n; at++) {
        const v = Array.from({ length: n }, (_, i) => (i === at ? Number.NaN : i));
        expect(Number.isNaN(tensor(v).max().dataSync()[0])).toBe(true);
      }
  });
});
