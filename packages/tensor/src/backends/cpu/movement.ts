/** Data-movement kernels: pad, concat, gather (take_along_axis), scatterAdd. */
import type { View } from '../../backend.js';
import type { TypedArray } from '../../dtype.js';
import { fail, fmtShape } from '../../errors.js';
import type { PrimAttrs } from '../../prims.js';
import { copy } from './elementwise.js';
import { forEachRow, planWalk } from './strided.js';

/** The window of `out` that starts at `start` on each axis and steps by `step`, shaped `shape`. */
function window(out: View, shape: readonly number[], start: readonly number[], step: readonly number[] = []): View {
  let offset = out.offset;
  out.strides.forEach((s, i) => {
    offset += (start[i] ?? 0) * s;
  });
  return { ...out, shape, offset, strides: out.strides.map((s, i) => s * (step[i] ?? 1)) };
}

export function pad(input: View, out: View, { low, interior, value }: PrimAttrs['pad']): void {
  if (value !== 0) (out.handle as TypedArray).fill(value);
  copy(
    input,
    window(
      out,
      input.shape,
      low,
      interior.map((n) => n + 1),
    ),
  );
}

export function concat(inputs: readonly View[], out: View, axis: number): void {
  let at = 0;
  for (const v of inputs) {
    copy(
      v,
      window(
        out,
        v.shape,
        out.shape.map((_, i) => (i === axis ? at : 0)),
      ),
    );
    at += v.shape[axis] as number;
  }
}

export function outOfRange(op: string, index: number, axis: number, shape: readonly number[]): never {
  const n = shape[axis] as number;
  fail('index', op, `index ${index} is out of range for axis ${axis} of ${fmtShape(shape)} (valid: ${-n} to ${n - 1})`);
}

export function gather(x: View, index: View, out: View, axis: number): void {
  const n = x.shape[axis] as number;
  const axisStride = x.strides[axis] as number;
  const xStrides = x.strides.map((s, i) => (i === axis ? 0 : s));
  const walk = planWalk(out.shape, [out.strides, index.strides, xStrides]);
  const [os, is, xs] = walk.innerStrides as [number, number, number];
  const [O, I, X] = [out.handle as TypedArray, index.handle as Int32Array, x.handle as TypedArray];
  forEachRow(walk, [out.offset, index.offset, x.offset], ([o0, i0, x0]) => {
    let [o, i, xo] = [o0 as number, i0 as number, x0 as number];
    for (let k = 0; k < walk.inner; k++, o += os, i += is, xo += xs) {
      const raw = I[i] as number;
      const j = raw < 0 ? raw + n : raw; // NumPy: negative indices count from the end
      if (j < 0 || j >= n) outOfRange('gather', raw, axis, x.shape);
      O[o] = X[xo + j * axisStride] as number;
    }
  });
}

export function scatterAdd(x: View, index: View, src: View, out: View, axis: number): void {
  copy(x, out);
  const n = out.shape[axis] as number;
  const axisStride = out.strides[axis] as number;
  const outStrides = out.strides.map((s, i) => (i === axis ? 0 : s));
  const walk = planWalk(index.shape, [index.strides, src.strides, outStrides]);
  const [is, ss, os] = walk.innerStrides as [number, number, number];
  const [I, S, O] = [index.handle as Int32Array, src.handle as TypedArray, out.handle as TypedArray];
  // Validate every index before writing anything, so a bad index leaves no half-done result.
  forEachRow(walk, [index.offset], ([i0]) => {
    for (let k = 0, i = i0 as number; k < walk.inner; k++, i += is) {
      const j = I[i] as number;
      if (j < -n || j >= n) outOfRange('scatterAdd', j, axis, out.shape);
    }
  });
  forEachRow(walk, [index.offset, src.offset, out.offset], ([i0, s0, o0]) => {
    let [i, s, o] = [i0 as number, s0 as number, o0 as number];
    for (let k = 0; k < walk.inner; k++, i += is, s += ss, o += os) {
      const j = I[i] as number;
      const t = o + (j < 0 ? j + n : j) * axisStride;
      O[t] = (O[t] as number) + (S[s] as number);
    }
  });
}
