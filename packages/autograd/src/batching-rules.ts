/**
 * THE batching table (vmap): one rule per primitive of @webgrad/tensor.
 *
 * Vocabulary (shared with rules.ts and jvp-rules.ts):
 * - `xs` the primitive's operands, each as a `Batched`: `value` is the whole batch (a plain
 *   tensor, or a tracer of an enclosing vmap) and `bdim` its batch axis, or undefined for an
 *   operand that does not depend on the batch (it is the same for every example);
 * - `attrs` the attributes as the caller gave them, for ONE example (per-example axes, shapes);
 * - `out` the per-example output meta that dispatch already checked; `size` the batch size.
 * A rule returns the whole batch of outputs and its batch axis. It computes it with ops on the
 * batch values (never kernels), so nested vmaps and an enclosing grad see those ops: one batched
 * kernel per primitive, not a loop over examples. Most rules move the batch axis to the front
 * (a free permute view) and shift per-example axes by one.
 */
import {
  dispatch,
  expand,
  type OutMeta,
  type Prim,
  type PrimAttrs,
  reshape,
  type Tensor,
  TensorError,
  transpose,
} from '@webgrad/tensor';
import type { PrimInputs } from './prim-inputs.js';

/** One operand of a batched primitive: the batch, and its batch axis (undefined: unbatched). */
export interface Batched {
  readonly value: Tensor;
  readonly bdim: number | undefined;
}

/** A rule's result: always batched. */
export interface BatchedOut {
  readonly value: Tensor;
  readonly bdim: number;
}

/** What a batching rule knows besides its operands: the primitive and the batch size. */
export interface BatchContext {
  readonly prim: Prim;
  /** The batch size. */
  readonly size: number;
  /** The per-example output shape and dtype (checked by dispatch). */
  readonly out: OutMeta;
}

/** The operand tuple of primitive `P`, each operand batched or not. */
export type BatchedInputs<P extends Prim> = AsBatched<PrimInputs<P>>;

/** A tuple of Tensors as a tuple of Batched (a homomorphic mapped type keeps it a tuple). */
type AsBatched<T> = { readonly [K in keyof T]: Batched };

/** A batching rule: the batched operands (value and batch axis each) and attrs to the batched result. */
export type BatchRule<P extends Prim> = (xs: BatchedInputs<P>, attrs: PrimAttrs[P], ctx: BatchContext) => BatchedOut;

// ---- named helpers --------------------------------------------------------------------------

/** The batch with its batch axis first (a permute view, or the tensor itself). */
function front(b: Batched): Tensor {
  const { value, bdim } = b;
  if (bdim === undefined || bdim === 0) return value;
  return transpose(value, [bdim, ...value.shape.map((_, i) => i).filter((i) => i !== bdim)]);
}

/** Like `front`, but an unbatched operand is broadcast (a stride-0 view) to the batch size. */
function frontOrBroadcast(b: Batched, size: number): Tensor {
  if (b.bdim !== undefined) return front(b);
  return expand(reshape(b.value, [1, ...b.value.shape]), [size, ...b.value.shape]);
}

/** A front-batched [B, ...s] reshaped to [B, 1, ..., 1, ...s] so that s has `rank` dims. */
function toRank(t: Tensor, rank: number): Tensor {
  const missing = rank - (t.ndim - 1);
  if (missing <= 0) return t;
  const [b, ...s] = t.shape;
  return reshape(t, [b as number, ...new Array<number>(missing).fill(1), ...s]);
}

/** The physical axis of per-example axis `a` when the batch sits at `bdim`. */
function physicalAxis(a: number, bdim: number): number {
  return a < bdim ? a : a + 1;
}

/** `values` with `v` inserted at index `at`. */
function insertAt<T>(values: readonly T[], at: number, v: T): T[] {
  return [...values.slice(0, at), v, ...values.slice(at)];
}

/** Unary elementwise: the batch axis is just another axis. */
function unary<P extends Prim>(prim: P): BatchRule<P> {
  return (xs, attrs) => {
    const x = (xs as readonly Batched[])[0] as Batched;
    return { value: dispatch(prim, [x.value], attrs), bdim: x.bdim as number };
  };
}

/**
 * Binary/ternary elementwise. Per example the operands broadcast to `out.shape` (rank r). When
 * every batched operand has its batch on the same axis b and full rank, and every unbatched one
 * lines up right of b, the operands broadcast as they are; otherwise the batch moves to the
 * front and batched operands get size-1 dims up to rank r (unbatched ones broadcast on the left).
 */
function elementwise<P extends Prim>(prim: P): BatchRule<P> {
  return (xs, attrs, { out }) => {
    const ops = xs as readonly Batched[];
    const r = out.shape.length;
    const batched = ops.filter((b) => b.bdim !== undefined);
    const b0 = (batched[0] as Batched).bdim as number;
    const inPlace = ops.every((b) =>
      b.bdim === undefined ? b.value.ndim <= r - b0 : b.bdim === b0 && b.value.ndim === r + 1,
    );
    if (inPlace)
      return {
        value: dispatch(
          prim,
          ops.map((b) => b.value),
          attrs,
        ),
        bdim: b0,
      };
    const args = ops.map((b) => (b.bdim === undefined ? b.value : toRank(front(b), r)));
    return { value: dispatch(prim, args, attrs), bdim: 0 };
  };
}

/** Reductions: per-example axes shift past the batch axis, which is never reduced. */
function reduction<P extends 'sum' | 'maxReduce' | 'prod'>(prim: P): BatchRule<P> {
  return ([x], { axes, keepdims }) => {
    const b = x.bdim as number;
    const physical = axes.map((a) => physicalAxis(a, b));
    const bdim = keepdims ? b : b - axes.filter((a) => a < b).length;
    return { value: dispatch(prim, [x.value], { axes: physical, keepdims } as PrimAttrs[P]), bdim };
  };
}

/** An op with one axis attribute over operands of equal rank: all batched at the front, axis + 1. */
function alongAxis<P extends 'concat' | 'gather' | 'scatterAdd'>(prim: P): BatchRule<P> {
  return (xs, { axis }, { size }) => {
    const args = (xs as readonly Batched[]).map((b) => frontOrBroadcast(b, size));
    return { value: dispatch(prim, args, { axis: axis + 1 } as PrimAttrs[P]), bdim: 0 };
  };
}

/**
 * matmul: the batch is one more batch dim. When only `a` is batched and both operands are plain
 * matrices per example, the batch folds into a's rows instead: [B*M, K] @ [K, N], one large
 * matrix product rather than B small ones (an MLP under vmap hits this case).
 */
const matmulRule: BatchRule<'matmul'> = ([a, b], _attrs, { out }) => {
  const r = out.shape.length;
  if (b.bdim === undefined && r === 2 && a.value.ndim === 3 && b.value.ndim === 2) {
    const [size, m, k] = front(a).shape as [number, number, number];
    const rows = dispatch('matmul', [reshape(front(a), [size * m, k]), b.value], {});
    return { value: reshape(rows, [size, m, b.value.shape[1] as number]), bdim: 0 };
  }
  const side = (x: Batched) => (x.bdim === undefined ? x.value : toRank(front(x), r));
  return { value: dispatch('matmul', [side(a), side(b)], {}), bdim: 0 };
};

/** A primitive that cannot be batched says so, by name, at the vmap call. */
export function unbatchable<P extends Prim>(why: string): BatchRule<P> {
  return (_xs, _attrs, { prim }) => {
    throw new TensorError('value', `vmap: ${prim} has no batching rule: ${why}`);
  };
}

// ---- the table --------------------------------------------------------------------------------

/** THE batching table for `vmap`: one rule per primitive, running it on the whole batch at once (`satisfies Record<Prim, BatchRule>`). */
export const BATCH_RULES = {
  neg: unary('neg'),
  exp: unary('exp'),
  log: unary('log'),
  sqrt: unary('sqrt'),
  sin: unary('sin'),
  cos: unary('cos'),
  tanh: unary('tanh'),
  erf: unary('erf'),
  floor: unary('floor'),
  cast: unary('cast'),

  add: elementwise('add'),
  sub: elementwise('sub'),
  mul: elementwise('mul'),
  div: elementwise('div'),
  pow: elementwise('pow'),
  max: elementwise('max'),
  cmplt: elementwise('cmplt'),
  cmpeq: elementwise('cmpeq'),
  floorDiv: elementwise('floorDiv'),
  remainder: elementwise('remainder'),
  where: elementwise('where'),

  sum: reduction('sum'),
  maxReduce: reduction('maxReduce'),
  prod: reduction('prod'),

  reshape: ([x], { shape }, { size }) => ({ value: reshape(front(x), [size, ...shape]), bdim: 0 }),
  // Output axis i is input axis perm[i]; the batch axis goes first.
  permute: ([x], { perm }) => {
    const b = x.bdim as number;
    return { value: transpose(x.value, [b, ...perm.map((p) => physicalAxis(p, b))]), bdim: 0 };
  },
  expand: ([x], { shape }, { size }) => ({
    value: expand(toRank(front(x), shape.length), [size, ...shape]),
    bdim: 0,
  }),
  // The batch axis is taken whole: start 0, stop B, step 1.
  slice: ([x], { starts, stops, steps }, { size }) => {
    const b = x.bdim as number;
    const attrs = { starts: insertAt(starts, b, 0), stops: insertAt(stops, b, size), steps: insertAt(steps, b, 1) };
    return { value: dispatch('slice', [x.value], attrs), bdim: b };
  },
  pad: ([x], { low, high, interior, value }) => {
    const b = x.bdim as number;
    const attrs = { low: insertAt(low, b, 0), high: insertAt(high, b, 0), interior: insertAt(interior, b, 0), value };
    return { value: dispatch('pad', [x.value], attrs), bdim: b };
  },
  concat: alongAxis('concat'),
  gather: alongAxis('gather'),
  scatterAdd: alongAxis('scatterAdd'),
  matmul: matmulRule,
  contiguous: unary('contiguous'),
  // Each example's lanes are lanes of the batched tensor: the sorted axis moves one to the right.
  argsort: ([x], { axis, descending }, { size }) => ({
    value: dispatch('argsort', [frontOrBroadcast(x as Batched, size)], { axis: axis + 1, descending }),
    bdim: 0,
  }),
} satisfies { [P in Prim]: BatchRule<P> };
