/**
 * Reductions (sum, max, prod) over any axes, into a float64 accumulator addressed with stride 0
 * along the reduced axes (float32 sums accumulate in float64 and round once at the end).
 *
 * The dims are first ordered by the input's strides, so every layout (a transposed view too)
 * streams through memory. After merging, the innermost loop either runs along a reduced axis
 * (accumulator stride 0: a fold into local variables, four of them to break the add latency
 * chain) or along a kept axis (a strided update of a row of accumulators).
 */
import type { View } from '../../backend.js';
import type { TypedArray } from '../../dtype.js';
import { contiguousStrides, isContiguous, sizeOf } from '../../shape.js';
import { forEachRow, peelRows, planWalk } from './strided.js';

type ReducePrim = 'sum' | 'maxReduce' | 'prod';

const IDENTITY = { sum: '0', maxReduce: '-Infinity', prod: '1' } as const;

/** combine(x, y) as an expression; max propagates NaN from either side. */
const COMBINE: Record<ReducePrim, (x: string, y: string) => string> = {
  sum: (x, y) => `${x} + ${y}`,
  prod: (x, y) => `${x} * ${y}`,
  maxReduce: (x, y) => `(${x} > ${y} || ${x} !== ${x}) ? ${x} : ${y}`,
};

/**
 * int32 prod wraps like int32 arithmetic (and like the GPU): Math.imul keeps every partial
 * product an exact int32, where a float64 product would round past 2^53 before wrapping.
 * (int32 sums stay exact in the float64 accumulator up to 2^53, so they wrap correctly at the end.)
 */
function combineFor(prim: ReducePrim, dtype: string): (x: string, y: string) => string {
  return prim === 'prod' && dtype === 'int32' ? (x, y) => `Math.imul(${x}, ${y})` : COMBINE[prim];
}

/** (rows, n, acc, ai, ars, as, X, xi, xrs, xs): `rows` innermost rows of `n` elements. */
type RowKernel = (
  rows: number,
  n: number,
  acc: Float64Array,
  ai: number,
  ars: number,
  as: number,
  x: TypedArray,
  xi: number,
  xrs: number,
  xs: number,
) => void;

function compileFold(prim: ReducePrim, dtype: string): RowKernel {
  const c = combineFor(prim, dtype);
  const body = `return function fold(rows, n, acc, ai, ars, as, X, xi, xrs, xs) {
    for (let r = 0; r < rows; r++, ai += ars, xi += xrs) {
      let s0 = acc[ai], s1 = ${IDENTITY[prim]}, s2 = s1, s3 = s1;
      let k = 0, i = xi;
      for (; k + 4 <= n; k += 4, i += 4 * xs) {
        const x0 = X[i], x1 = X[i + xs], x2 = X[i + 2 * xs], x3 = X[i + 3 * xs];
        s0 = ${c('s0', 'x0')}; s1 = ${c('s1', 'x1')}; s2 = ${c('s2', 'x2')}; s3 = ${c('s3', 'x3')};
      }
      for (; k < n; k++, i += xs) { const x0 = X[i]; s0 = ${c('s0', 'x0')}; }
      s0 = ${c('s0', 's1')}; s2 = ${c('s2', 's3')};
      acc[ai] = ${c('s0', 's2')};
    }
  };`;
  return new Function(body)() as RowKernel;
}

function compileScan(prim: ReducePrim, dtype: string): RowKernel {
  const body = `return function scan(rows, n, acc, ai, ars, as, X, xi, xrs, xs) {
    for (let r = 0; r < rows; r++, ai += ars, xi += xrs) {
      for (let k = 0, j = ai, i = xi; k < n; k++, j += as, i += xs) { const a = acc[j], x = X[i]; acc[j] = ${combineFor(prim, dtype)('a', 'x')}; }
    }
  };`;
  return new Function(body)() as RowKernel;
}

// One compiled loop per (prim, mode, input dtype), so each call site stays monomorphic in V8.
// Nested maps keyed by constant strings: a lookup builds no key string.
const kernels = new Map<string, Map<string, RowKernel>>();
const MODES: Record<ReducePrim, readonly [fold: string, scan: string]> = {
  sum: ['sum:fold', 'sum:scan'],
  maxReduce: ['maxReduce:fold', 'maxReduce:scan'],
  prod: ['prod:fold', 'prod:scan'],
};

function kernelFor(prim: ReducePrim, fold: boolean, dtype: string): RowKernel {
  const mode = MODES[prim][fold ? 0 : 1];
  let byDType = kernels.get(mode);
  if (!byDType) {
    byDType = new Map();
    kernels.set(mode, byDType);
  }
  let k = byDType.get(dtype);
  if (!k) {
    k = fold ? compileFold(prim, dtype) : compileScan(prim, dtype);
    byDType.set(dtype, k);
  }
  return k;
}

export function reduce(prim: ReducePrim, input: View, out: View, axes: readonly number[]): void {
  const size = sizeOf(out.shape);
  const acc = new Float64Array(size).fill(Number(IDENTITY[prim]));
  if (size === 1 && isContiguous(input.shape, input.strides)) {
    // Everything into one value from one dense run: a single fold, no walk to plan.
    const n = sizeOf(input.shape);
    kernelFor(prim, true, input.dtype)(1, n, acc, 0, 0, 0, input.handle as TypedArray, input.offset, 0, 1);
    (out.handle as TypedArray).set(acc, out.offset);
    return;
  }
  // The accumulator seen with the input's shape: reduced axes get stride 0.
  const accStrides = contiguousStrides(out.shape).map((s, i) => (axes.includes(i) ? 0 : s));
  // Walk in the input's memory order: largest stride outermost (stable, so ties keep their order).
  const order = input.shape
    .map((_, i) => i)
    .sort((i, j) => Math.abs(input.strides[j] as number) - Math.abs(input.strides[i] as number));
  const walk = planWalk(
    order.map((i) => input.shape[i] as number),
    [order.map((i) => accStrides[i] as number), order.map((i) => input.strides[i] as number)],
  );
  const [as, xs] = walk.innerStrides as [number, number];
  const kernel = kernelFor(prim, as === 0, input.dtype);
  const X = input.handle as TypedArray;
  const n = walk.inner;
  const { outer, rows, rowStrides } = peelRows(walk);
  const [ars, xrs] = rowStrides as [number, number];
  forEachRow(outer, [0, input.offset], (f) =>
    kernel(rows, n, acc, f[0] as number, ars, as, X, f[1] as number, xrs, xs),
  );
  (out.handle as TypedArray).set(acc, out.offset);
}
