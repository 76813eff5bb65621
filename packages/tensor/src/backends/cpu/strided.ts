/**
 * Walking several strided views of one shape in lockstep. Adjacent dims that are contiguous
 * with each other in every operand are merged first, so the common cases (contiguous, or a
 * broadcast row) become one or two loops and the innermost loop is long.
 */
import type { View } from '../../backend.js';

export interface Walk {
  /** Outer dims (all but the innermost), after merging. */
  outerShape: number[];
  /** Per operand, strides of the outer dims. */
  outerStrides: number[][];
  /** Length of the innermost loop. */
  inner: number;
  /** Per operand, stride of the innermost loop. */
  innerStrides: number[];
}

/** Merges dims of `shape` that every operand walks contiguously; drops size-1 dims. */
export function planWalk(shape: readonly number[], stridesList: readonly (readonly number[])[]): Walk {
  const dims: number[] = [];
  const strides: number[][] = stridesList.map(() => []);
  shape.forEach((d, i) => {
    if (d === 1) return;
    const last = dims.length - 1;
    const mergeable = last >= 0 && stridesList.every((s, k) => (strides[k]?.[last] as number) === (s[i] as number) * d);
    if (mergeable) {
      dims[last] = (dims[last] as number) * d;
      stridesList.forEach((s, k) => {
        (strides[k] as number[])[last] = s[i] as number;
      });
    } else {
      dims.push(d);
      stridesList.forEach((s, k) => {
        (strides[k] as number[]).push(s[i] as number);
      });
    }
  });
  const inner = dims.pop() ?? 1;
  const innerStrides = strides.map((s) => s.pop() ?? 0);
  return { outerShape: dims, outerStrides: strides, inner, innerStrides };
}

/**
 * Calls `body(offsets)` once per innermost row, with each operand's starting offset.
 * `offsets` is reused between calls (read it, do not keep it).
 */
export function forEachRow(
  walk: Walk,
  baseOffsets: readonly number[],
  body: (offsets: readonly number[]) => void,
): void {
  const { outerShape, outerStrides } = walk;
  const nd = outerShape.length;
  const offsets = [...baseOffsets];
  if (nd === 0) {
    body(offsets);
    return;
  }
  const counter = new Array<number>(nd).fill(0);
  const nOps = offsets.length;
  for (;;) {
    body(offsets);
    // Odometer increment of the outer index, updating offsets incrementally.
    let axis = nd - 1;
    for (; axis >= 0; axis--) {
      const c = (counter[axis] as number) + 1;
      if (c < (outerShape[axis] as number)) {
        counter[axis] = c;
        for (let k = 0; k < nOps; k++)
          offsets[k] = (offsets[k] as number) + ((outerStrides[k] as number[])[axis] as number);
        break;
      }
      counter[axis] = 0;
      for (let k = 0; k < nOps; k++)
        offsets[k] = (offsets[k] as number) - (c - 1) * ((outerStrides[k] as number[])[axis] as number);
    }
    if (axis < 0) return;
  }
}

/**
 * How `v` steps when `shape` is walked as one flat row-major loop whose layout is `strides`
 * (contiguous): 1 when `v` is laid out the same way, 0 when it is one broadcast value, -1 when
 * neither (the general walk is needed). Size-1 dims are free.
 */
export function flatStride(v: View, shape: readonly number[], strides: readonly number[]): 1 | 0 | -1 {
  const vs = v.strides;
  let same = true;
  let zero = true;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const s = vs[i];
    if (s !== strides[i]) same = false;
    if (s !== 0) zero = false;
  }
  return same ? 1 : zero ? 0 : -1;
}

export function walkViews(out: View, inputs: readonly View[]): Walk {
  return planWalk(out.shape, [out.strides, ...inputs.map((v) => v.strides)]);
}

/** A walk's last outer dim split off, so a kernel can loop over rows itself (see peelRows). */
export interface Rows {
  /** The remaining outer dims, walked by forEachRow (its `inner` fields are unused). */
  outer: Walk;
  /** Number of rows the kernel loops over per call, and each operand's stride between rows. */
  rows: number;
  rowStrides: number[];
}

/**
 * Splits the last outer dim off `walk`: kernels that take (rows, rowStrides) run one call per
 * 2-d plane instead of one per row, which matters for short rows (a call per 16 elements costs
 * more than the elements).
 */
export function peelRows(walk: Walk): Rows {
  const nd = walk.outerShape.length;
  if (nd === 0) return { outer: walk, rows: 1, rowStrides: walk.innerStrides.map(() => 0) };
  return {
    outer: {
      ...walk,
      outerShape: walk.outerShape.slice(0, -1),
      outerStrides: walk.outerStrides.map((s) => s.slice(0, -1)),
    },
    rows: walk.outerShape[nd - 1] as number,
    rowStrides: walk.outerStrides.map((s) => s[nd - 1] as number),
  };
}
