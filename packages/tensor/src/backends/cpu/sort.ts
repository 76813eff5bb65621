/**
 * argsort along one axis: for each lane, the int32 positions that order it. Stable (equal
 * values keep their order, -0 equals +0); ascending puts NaN last (NumPy), descending puts NaN
 * first (NaN counts as the largest value, as in PyTorch).
 */
import type { View } from '../../backend.js';
import type { TypedArray } from '../../dtype.js';
import type { PrimAttrs } from '../../prims.js';
import { forEachRow, planWalk } from './strided.js';

/** Strict order of the sort: does `a` come before `b` (ties excluded)? */
export function sortsBefore(descending: boolean): (a: number, b: number) => boolean {
  if (descending) return (a, b) => (Number.isNaN(a) && !Number.isNaN(b)) || a > b;
  return (a, b) => !Number.isNaN(a) && (Number.isNaN(b) || a < b);
}

export function argsort(x: View, out: View, { axis, descending }: PrimAttrs['argsort']): void {
  const n = x.shape[axis] as number;
  const before = sortsBefore(descending);
  const X = x.handle as TypedArray;
  const O = out.handle as Int32Array;
  const [xs, os] = [x.strides[axis] as number, out.strides[axis] as number];
  // One walk over the lane starts: the axis itself is collapsed to size 1.
  const lanes = x.shape.map((d, i) => (i === axis ? 1 : d));
  const walk = planWalk(lanes, [x.strides, out.strides]);
  const values = new Float64Array(n);
  const order = Array.from({ length: n }, (_, i) => i);
  const cmp = (a: number, b: number) => {
    const [va, vb] = [values[a] as number, values[b] as number];
    return before(va, vb) ? -1 : before(vb, va) ? 1 : a - b;
  };
  forEachRow(walk, [x.offset, out.offset], ([x0, o0]) => {
    let [xr, or] = [x0 as number, o0 as number];
    for (let k = 0; k < walk.inner; k++, xr += walk.innerStrides[0] as number, or += walk.innerStrides[1] as number) {
      for (let j = 0; j < n; j++) {
        values[j] = X[xr + j * xs] as number;
        order[j] = j;
      }
      order.sort(cmp);
      for (let j = 0; j < n; j++) O[or + j * os] = order[j] as number;
    }
  });
}
