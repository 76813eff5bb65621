/** Shape and data-movement composites: views (no copy) and the copying movement primitives. */
import { dispatch, fromValues, interpreterOf } from '../dispatch.js';
import { fail, fmtShape } from '../errors.js';
import { inferReshape, normalizeAxes, normalizeAxis } from '../shape.js';
import { type Axis, Tensor } from '../tensor.js';
import { cast, eq, lt, promote, where } from './elementwise.js';

/** The same elements in a new shape (one -1 is inferred); a view when the strides allow, else a copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const to = inferReshape('reshape', x.shape, shape);
  if (to.length === x.ndim && to.every((d, i) => d === x.shape[i])) return x;
  return dispatch('reshape', [x], { shape: to });
}

/** Permutes axes; with no `perm`, reverses them. */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ? perm.map((a) => normalizeAxis('transpose', a, x.ndim)) : x.shape.map((_, i) => x.ndim - 1 - i);
  if (p.every((a, i) => a === i) && p.length === x.ndim) return x;
  return dispatch('permute', [x], { perm: p });
}

/** Swaps axes `a` and `b` (a view). */
export function swapAxes(x: Tensor, a: number, b: number): Tensor {
  const perm = x.shape.map((_, i) => i);
  const [i, j] = [normalizeAxis('swapAxes', a, x.ndim), normalizeAxis('swapAxes', b, x.ndim)];
  [perm[i], perm[j]] = [j, i];
  return transpose(x, perm);
}

/** Broadcasts to `shape` without copying (NumPy broadcast_to; -1 keeps a dim). */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const lead = shape.length - x.ndim;
  const to = shape.map((d, i) =>
    d === -1 ? (x.shape[i - lead] ?? fail('shape', 'expand', `-1 in a new leading dim of ${fmtShape(shape)}`)) : d,
  );
  if (to.length === x.ndim && to.every((d, i) => d === x.shape[i])) return x;
  return dispatch('expand', [x], { shape: to });
}

/**
 * `[start, stop?, step?]` with Python semantics (negative indices count from the end; `null` or
 * a missing bound means the end of the axis the step walks towards), or an index.
 */
export type SliceArg = number | readonly [(number | null)?, (number | null)?, (number | null)?] | null;

/**
 * Basic slicing over the leading axes, as Python and NumPy slice: a number keeps the axis with
 * size 1 (use `squeeze` to drop it); `null` takes the whole axis; a negative step walks the axis
 * backwards (`[null, null, -1]` reverses it) and gives a view with a negative stride.
 * @example x.slice(null, [null, null, -1]) // x with its second axis reversed, no copy
 */
export function slice(x: Tensor, ranges: readonly SliceArg[]): Tensor {
  if (ranges.length > x.ndim) fail('shape', 'slice', `${ranges.length} ranges for a tensor of rank ${x.ndim}`);
  const starts: number[] = [];
  const stops: number[] = [];
  const steps: number[] = [];
  x.shape.forEach((d, i) => {
    const r = ranges[i];
    if (typeof r === 'number') {
      const k = r < 0 ? r + d : r;
      if (k < 0 || k >= d) fail('index', 'slice', `index ${r} is out of range for axis ${i} of ${fmtShape(x.shape)}`);
      starts.push(k);
      stops.push(k + 1);
      steps.push(1);
      return;
    }
    const [a, b, s] = (r ?? []).map((v) => v ?? undefined);
    const step = s ?? 1;
    if (!Number.isInteger(step) || step === 0)
      fail('value', 'slice', `step must be a non-zero integer, got ${step} on axis ${i}`);
    const [start, stop] = step > 0 ? forwardRange(d, a, b) : backwardRange(d, a, b);
    if (start === stop) {
      // Empty on this axis: one canonical form, whatever the step.
      starts.push(0);
      stops.push(0);
      steps.push(1);
      return;
    }
    starts.push(start);
    stops.push(stop);
    steps.push(step);
  });
  if (starts.every((a, i) => a === 0 && stops[i] === x.shape[i] && steps[i] === 1)) return x;
  return dispatch('slice', [x], { starts, stops, steps });
}

/** Python's slice.indices for step > 0: bounds clamped into [0, d], stop >= start. */
function forwardRange(d: number, a: number | undefined, b: number | undefined): [number, number] {
  const clampIdx = (v: number) => Math.min(d, Math.max(0, v < 0 ? v + d : v));
  const start = a === undefined ? 0 : clampIdx(a);
  const stop = b === undefined ? d : clampIdx(b);
  return [start, Math.max(start, stop)];
}

/** Python's slice.indices for step < 0: bounds clamped into [-1, d - 1], stop <= start. */
function backwardRange(d: number, a: number | undefined, b: number | undefined): [number, number] {
  const clampIdx = (v: number) => Math.min(d - 1, Math.max(-1, v < 0 ? v + d : v));
  const start = a === undefined ? d - 1 : clampIdx(a);
  const stop = b === undefined ? -1 : clampIdx(b);
  return [start, Math.min(start, stop)];
}

/** Drops size-1 axes (all of them, or those in `axis`): a view. */
export function squeeze(x: Tensor, axis?: Axis): Tensor {
  const axes =
    axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axis, x.ndim);
  for (const a of axes)
    if (x.shape[a] !== 1) fail('shape', 'squeeze', `axis ${a} of ${fmtShape(x.shape)} is not of size 1`);
  return reshape(
    x,
    x.shape.filter((_, i) => !axes.includes(i)),
  );
}

/** Inserts a size-1 axis at `axis`: a view. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis('unsqueeze', axis, x.ndim + 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/** Merges axes startAxis..endAxis (default all) into one. */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const [s, e] = [normalizeAxis('flatten', startAxis, x.ndim), normalizeAxis('flatten', endAxis, x.ndim)];
  if (s > e) fail('shape', 'flatten', `startAxis ${startAxis} is after endAxis ${endAxis}`);
  const merged = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}

/** `x` itself when already contiguous, else a contiguous copy. */
export function contiguous(x: Tensor): Tensor {
  return x.isContiguous ? x : dispatch('contiguous', [x], {});
}

/** Always a fresh copy. */
export function clone(x: Tensor): Tensor {
  return dispatch('contiguous', [x], {});
}

/**
 * A tensor sharing `x`'s storage that no observer saw being made: autograd treats it as a
 * constant (this is `stopGradient`).
 */
export function detach(x: Tensor): Tensor {
  // A transform's own tensor (a vmap tracer) is detached by its interpreter.
  const interpreter = interpreterOf([x]);
  if (interpreter) return interpreter.detach(x);
  return new Tensor(x.storage, x.shape, x.strides, x.offset);
}

/** Constant padding: `widths[i] = [before, after]` for axis i (missing trailing axes: none). */
export function pad(x: Tensor, widths: readonly (readonly [number, number])[], value = 0): Tensor {
  if (widths.length > x.ndim) fail('shape', 'pad', `${widths.length} pad widths for a tensor of rank ${x.ndim}`);
  const low = x.shape.map((_, i) => widths[i]?.[0] ?? 0);
  const high = x.shape.map((_, i) => widths[i]?.[1] ?? 0);
  if (low.every((v) => v === 0) && high.every((v) => v === 0)) return x;
  return dispatch('pad', [x], { low, high, interior: x.shape.map(() => 0), value });
}

/** Joins tensors along an existing axis; they must agree on every other axis. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = tensors[0] ?? fail('shape', 'concat', 'needs at least one tensor');
  const ax = normalizeAxis('concat', axis, first.ndim);
  if (tensors.length === 1) return first;
  return dispatch('concat', tensors, { axis: ax });
}

/** Joins same-shaped tensors along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = tensors[0] ?? fail('shape', 'stack', 'needs at least one tensor');
  const ax = normalizeAxis('stack', axis, first.ndim + 1);
  return concat(
    tensors.map((t) => unsqueeze(t, ax)),
    ax,
  );
}

/** take_along_axis: `index` (int32) has x's rank and matches x off `axis`. */
export function gather(x: Tensor, index: Tensor, axis: number): Tensor {
  return dispatch('gather', [x, index], { axis: normalizeAxis('gather', axis, x.ndim) });
}

/**
 * NumPy `take`: the slices of `x` at `index` (any shape) along `axis`; the result has shape
 * x.shape[:axis] + index.shape + x.shape[axis+1:]. This is an embedding lookup for axis 0.
 */
export function take(x: Tensor, index: Tensor, axis = 0): Tensor {
  const ax = normalizeAxis('take', axis, x.ndim);
  const before = x.shape.slice(0, ax);
  const after = x.shape.slice(ax + 1);
  const flat = reshape(index, [-1]);
  const n = flat.size;
  // Broadcast the flat index over x's other axes, gather, then restore index's shape.
  const idx = expand(reshape(flat, [...before.map(() => 1), n, ...after.map(() => 1)]), [...before, n, ...after]);
  return reshape(gather(x, idx, ax), [...before, ...index.shape, ...after]);
}

/** out = x with `src` added at `index` along `axis` (torch.scatter_add semantics). */
export function scatterAdd(x: Tensor, index: Tensor, src: Tensor, axis: number): Tensor {
  const [xs, s] = promote('scatterAdd', x, src);
  return dispatch('scatterAdd', [xs, index, s], { axis: normalizeAxis('scatterAdd', axis, x.ndim) });
}

/**
 * One-hot encoding of int32 `index` over `depth` classes (last axis), in `dtype`. A class outside
 * [0, depth) is an 'index' error (PyTorch's one_hot raises too): at once on the CPU; on WebGPU,
 * which cannot look at the values without a readback, at the next readback (the backend's
 * index check, see gather).
 * @example oneHot(tensor(Int32Array.from([2, 0])), 3).arraySync() // [[0, 0, 1], [1, 0, 0]]
 */
export function oneHot(index: Tensor, depth: number, dtype: Tensor['dtype'] = 'float32'): Tensor {
  if (index.dtype !== 'int32') fail('dtype', 'oneHot', `index must be int32, got ${index.dtype}`);
  if (!Number.isInteger(depth) || depth < 0)
    fail('value', 'oneHot', `depth must be a non-negative integer, got ${depth}`);
  checkClasses(index, depth);
  const classes = fromValues(
    index.device,
    'int32',
    [depth],
    Int32Array.from({ length: depth }, (_, i) => i),
  );
  return cast(eq(reshape(index, [...index.shape, 1]), classes), dtype);
}

/** Raises when a class index lies outside [0, depth) (see oneHot). */
function checkClasses(index: Tensor, depth: number): void {
  if (index.size === 0) return;
  // Under a transform (vmap) the values cannot be read now: the gather probe below is traced instead.
  if (!interpreterOf([index]) && index.storage.backend.readSync) {
    const values = index.dataSync();
    for (const j of values) {
      if (j < 0 || j >= depth)
        fail('index', 'oneHot', `class index ${j} is out of range for depth ${depth} (valid: 0 to ${depth - 1})`);
    }
    return;
  }
  // No synchronous read: a gather from a [depth] vector with the same indices (negatives sent out
  // of range, since gather accepts them) trips the backend's index check at the next readback.
  const flat = reshape(index, [-1]);
  const outside = where(lt(flat, 0), depth, flat);
  const probe = gather(fromValues(index.device, 'int32', [depth]), outside, 0);
  probe.dispose();
}
