/**
 * Pure shape arithmetic: sizes, row-major strides, NumPy broadcasting, axis normalisation.
 * Nothing here touches data.
 */
import { fail, fmtShape } from './errors.js';

/** A tensor's sizes, one per axis. */
export type Shape = readonly number[];

/** The number of elements of a tensor of `shape` (1 for []). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C order) strides, in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = step;
    step *= shape[i] ?? 1;
  }
  return strides;
}

/** True when (shape, strides) walks memory in row-major order with no gaps. Size-1 dims are free. */
export function isContiguous(shape: Shape, strides: Shape): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i] as number;
    if (d !== 1 && strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy broadcasting: align right, each dim equal or 1. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  // Two operands of one shape, or one 0-d (a number), the common cases: nothing to align.
  if (shapes.length === 2) {
    const [a, b] = shapes as [Shape, Shape];
    if (shapesEqual(a, b) || b.length === 0) return [...a];
    if (a.length === 0) return [...b];
  }
  let ndim = 0;
  for (const s of shapes) ndim = Math.max(ndim, s.length);
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = ndim - s.length + i;
      const d = s[i] as number;
      const o = out[j] as number;
      if (o === 1) out[j] = d;
      else if (d !== 1 && d !== o) {
        fail('shape', op, `shapes ${shapes.map(fmtShape).join(' and ')} cannot be broadcast together`);
      }
    }
  }
  return out;
}

/** Wraps a possibly negative axis into [0, ndim). */
export function normalizeAxis(op: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    fail('shape', op, `axis ${axis} is out of range for a tensor of rank ${ndim}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Normalises `axis` (undefined = all axes) into a sorted list of distinct non-negative axes. */
export function normalizeAxes(op: string, axis: number | readonly number[] | undefined, ndim: number): number[] {
  if (axis === undefined) {
    const all = new Array<number>(ndim); // a loop: Array.from({ length }) was a fifth of a tiny sum
    for (let i = 0; i < ndim; i++) all[i] = i;
    return all;
  }
  if (typeof axis === 'number') return [normalizeAxis(op, axis, ndim)];
  const list = axis;
  const out = list.map((a) => normalizeAxis(op, a, ndim));
  if (new Set(out).size !== out.length) fail('shape', op, `repeated axis in [${list.join(', ')}]`);
  return out.sort((a, b) => a - b);
}

/** Shape after reducing `axes`, keeping them as 1 or dropping them. */
export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

/** Resolves one -1 in a reshape target and checks the element count. */
export function inferReshape(op: string, from: Shape, to: readonly number[]): number[] {
  const size = sizeOf(from);
  const unknown = to.filter((d) => d === -1).length;
  if (unknown > 1) fail('shape', op, `only one dimension may be -1, got ${fmtShape(to)}`);
  for (const d of to) {
    if (!Number.isInteger(d) || d < -1) fail('shape', op, `invalid dimension ${d} in ${fmtShape(to)}`);
  }
  const known = to.reduce((acc, d) => (d === -1 ? acc : acc * d), 1);
  const out = to.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
  if (sizeOf(out) !== size || !out.every(Number.isInteger)) {
    fail('shape', op, `cannot reshape ${fmtShape(from)} (${size} elements) into ${fmtShape(to)}`);
  }
  return out;
}

/**
 * Strides that let a tensor of (shape, strides) be viewed as `to` without copying, or undefined
 * when its memory layout does not allow it (then reshape must copy). Walks groups of dims whose
 * product matches on both sides; within a group the source dims must be mutually contiguous.
 */
export function reshapeStrides(shape: Shape, strides: Shape, to: Shape): number[] | undefined {
  if (sizeOf(shape) === 0) return contiguousStrides(to);
  const src = shape.map((d, i) => [d, strides[i] as number] as const).filter(([d]) => d !== 1);
  const out = new Array<number>(to.length).fill(0);
  let i = 0; // into src
  let j = 0; // into to
  while (j < to.length) {
    if (to[j] === 1) {
      out[j] = 1;
      j++;
      continue;
    }
    // Take one group: src dims [i, iEnd) and target dims [j, jEnd) with equal products.
    let srcProd = src[i]?.[0] ?? 1;
    let dstProd = to[j] as number;
    let iEnd = i + 1;
    let jEnd = j + 1;
    while (srcProd !== dstProd) {
      if (srcProd < dstProd) srcProd *= src[iEnd++]?.[0] ?? Number.NaN;
      else dstProd *= to[jEnd++] ?? Number.NaN;
      if (Number.isNaN(srcProd) || Number.isNaN(dstProd)) return undefined;
    }
    for (let k = i; k < iEnd - 1; k++) {
      const [, s] = src[k] as readonly [number, number];
      const [dn, sn] = src[k + 1] as readonly [number, number];
      if (s !== dn * sn) return undefined;
    }
    let stride = src[iEnd - 1]?.[1] ?? 1;
    for (let k = jEnd - 1; k >= j; k--) {
      out[k] = stride;
      stride *= to[k] as number;
    }
    i = iEnd;
    j = jEnd;
  }
  return out;
}

export function checkShape(op: string, shape: readonly number[]): number[] {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) fail('shape', op, `invalid shape ${fmtShape(shape)}`);
  }
  return [...shape];
}
