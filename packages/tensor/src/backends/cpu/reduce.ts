/**
 * Reductions (sum, max, prod) over any axes. The input is walked once in its own memory order
 * while a float64 accumulator is addressed with stride 0 along the reduced axes, so every
 * layout streams through memory; float32 sums accumulate in float64 and round once at the end.
 */
import type { View } from '../../backend.js';
import type { TypedArray } from '../../dtype.js';
import { contiguousStrides } from '../../shape.js';
import { elementwise } from './elementwise.js';

const IDENTITY = { sum: 0, maxReduce: Number.NEGATIVE_INFINITY, prod: 1 } as const;
const COMBINE = { sum: 'add', maxReduce: 'max', prod: 'mul' } as const;

export function reduce(prim: 'sum' | 'maxReduce' | 'prod', input: View, out: View, axes: readonly number[]): void {
  const size = out.shape.reduce((a, b) => a * b, 1);
  const acc = new Float64Array(size).fill(IDENTITY[prim]);
  // The accumulator seen with the input's shape: reduced axes get stride 0.
  const accStrides = contiguousStrides(out.shape).map((s, i) => (axes.includes(i) ? 0 : s));
  const accView: View = { handle: acc, dtype: 'float64', shape: input.shape, strides: accStrides, offset: 0 };
  const inputF64 = input.dtype === 'float64' ? input : { ...input, dtype: 'float64' as const };
  elementwise(COMBINE[prim], [accView, inputF64], accView);
  (out.handle as TypedArray).set(acc, out.offset);
}
