/**
 * Op-spec rows for reductions over random axis sets (with keepdims), arg-reductions, softmax and
 * logSoftmax, and matmul (1-d, 2-d, batched with broadcast batch dims).
 */
import type { Tensor } from '@webgrad/tensor';
import * as T from '@webgrad/tensor';
import * as fc from 'fast-check';
import {
  axisArg,
  broadcastable,
  dim,
  distinct,
  grid,
  magnitude,
  oneAxis,
  operand,
  operands,
  shape,
  uniform,
  type Values,
  withSpecials,
} from './arbitraries.js';
import type { OpCase, OpSpec, Ref } from './op-spec.js';
import * as R from './references.js';

type AxisArg = number | number[] | undefined;

const axisCount = (x: { shape: number[] }, axis: AxisArg): number =>
  R.sizeOfShape(R.normAxes(axis, x.shape.length).map((a) => x.shape[a] as number));

/**
 * Reduction cases: an operand, an axis argument and keepdims. `nonEmpty`: every reduced axis has
 * at least one element (max, min, logsumexp cannot reduce nothing).
 */
function reduceCases(values: Values, nonEmpty: boolean): fc.Arbitrary<OpCase> {
  return shape()
    .chain((s) => fc.tuple(operand(s, values), axisArg(s.length), fc.boolean()))
    .filter(([x, axis]) => !nonEmpty || R.normAxes(axis, x.shape.length).every((a) => x.shape[a] !== 0))
    .map(([x, axis, keepdims]) => ({ inputs: [x], params: { axis, keepdims } }));
}

type Reducer = (x: Tensor, axis: AxisArg, keepdims: boolean) => Tensor;

function reduceRow(
  name: string,
  fn: Reducer,
  ref: (x: Ref, axis: AxisArg, keepdims: boolean) => Ref,
  values: Values,
  nonEmpty = false,
): OpSpec {
  return {
    name,
    cases: reduceCases(values, nonEmpty),
    apply: ([x], p) => fn(x as Tensor, p.axis as AxisArg, p.keepdims as boolean),
    reference: ([x], p) => ref(x as Ref, p.axis as AxisArg, p.keepdims as boolean),
    gradInputs: [0],
  };
}

/** Drops the (size-1) reduced axes of a keepdims result unless `keepdims`. */
function finishDims(r: Ref, axes: number[], keepdims: boolean): Ref {
  return keepdims ? r : { shape: r.shape.filter((_, i) => !axes.includes(i)), data: r.data };
}

/** Two-pass variance: Σ (x - mean)² / (n - correction). */
function varianceRef(x: Ref, axis: AxisArg, keepdims: boolean, correction: number): Ref {
  const m = R.reduceRef(
    x,
    axis,
    true,
    0,
    (a, v) => a + v,
    (a, n) => a / n,
  );
  const sq = R.zipRef([x, m], (v, mu) => (v - mu) ** 2);
  return R.reduceRef(
    sq,
    axis,
    keepdims,
    0,
    (a, v) => a + v,
    (a, n) => a / Math.max(0, n - correction),
  );
}

/** m + log Σ e^(x - m) with m the max of each group. */
function logsumexpRef(x: Ref, axis: AxisArg, keepdims: boolean): Ref {
  const m = R.reduceRef(x, axis, true, Number.NEGATIVE_INFINITY, Math.max);
  const s = R.reduceRef(
    R.zipRef([x, m], (v, mm) => Math.exp(v - mm)),
    axis,
    true,
    0,
    (a, v) => a + v,
  );
  return finishDims(
    R.zipRef([s, m], (ss, mm) => Math.log(ss) + mm),
    R.normAxes(axis, x.shape.length),
    keepdims,
  );
}

const std = uniform(-3, 3);
/** Pairwise distinct values: max/min have no ties, so their gradient is unambiguous. */
const noTies = distinct(-200, 199, 0.02);

const REDUCE: OpSpec[] = [
  reduceRow('sum', T.sum, (x, a, k) => R.reduceRef(x, a, k, 0, (s, v) => s + v), std),
  reduceRow(
    'mean',
    T.mean,
    (x, a, k) =>
      R.reduceRef(
        x,
        a,
        k,
        0,
        (s, v) => s + v,
        (s, n) => s / n,
      ),
    std,
  ),
  reduceRow('max', T.max, (x, a, k) => R.reduceRef(x, a, k, Number.NEGATIVE_INFINITY, Math.max), noTies, true),
  reduceRow('min', T.min, (x, a, k) => R.reduceRef(x, a, k, Number.POSITIVE_INFINITY, Math.min), noTies, true),
  // |x| in [0.6, 1.4] keeps products of scale 1; exact zeros on purpose (groups with one or more).
  reduceRow(
    'prod',
    T.prod,
    (x, a, k) => R.reduceRef(x, a, k, 1, (s, v) => s * v),
    withSpecials(magnitude(0.6, 1.4), [0]),
  ),
  reduceRow('logsumexp', T.logsumexp, logsumexpRef, std, true),
  {
    name: 'var',
    cases: reduceCases(std, false)
      .chain((c) => fc.constantFrom(0, 1).map((correction): OpCase => ({ ...c, params: { ...c.params, correction } })))
      .filter((c) => axisCount(c.inputs[0] as Ref, c.params.axis as AxisArg) > (c.params.correction as number)),
    apply: ([x], p) => T.variance(x as Tensor, p.axis as AxisArg, p.keepdims as boolean, p.correction as number),
    reference: ([x], p) => varianceRef(x as Ref, p.axis as AxisArg, p.keepdims as boolean, p.correction as number),
    gradInputs: [0],
  },
];

/** Small integers: ties are common, and the first index must win. */
function argRow(name: string, fn: typeof T.argmax, better: (a: number, b: number) => boolean): OpSpec {
  return {
    name,
    cases: shape()
      .chain((s) =>
        fc.tuple(
          operand(s, grid(-2, 2, 1, 0)),
          s.length ? fc.option(oneAxis(s.length), { nil: undefined }) : fc.constant(undefined),
          fc.boolean(),
        ),
      )
      .filter(
        ([x, axis]) => (axis === undefined ? R.sizeOfShape(x.shape) : x.shape[R.normAxis(axis, x.shape.length)]) !== 0,
      )
      .map(([x, axis, keepdims]) => ({ inputs: [x], params: { axis, keepdims } })),
    apply: ([x], p) => fn(x as Tensor, p.axis as number | undefined, p.keepdims as boolean),
    reference: ([x], p) => R.argRef(x as Ref, p.axis as number | undefined, p.keepdims as boolean, better),
    exact: true,
  };
}

function softmaxLane(lane: number[]): number[] {
  const m = Math.max(...lane);
  const e = lane.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function softmaxRow(name: string, fn: typeof T.softmax, lane: (l: number[]) => number[]): OpSpec {
  return {
    name,
    cases: shape({ minRank: 1 })
      .chain((s) => fc.tuple(operand(s, std), oneAxis(s.length)))
      .filter(([x, axis]) => x.shape[R.normAxis(axis, x.shape.length)] !== 0)
      .map(([x, axis]) => ({ inputs: [x], params: { axis } })),
    apply: ([x], p) => fn(x as Tensor, p.axis as number),
    reference: ([x], p) => R.alongAxis(x as Ref, p.axis as number, lane),
    gradInputs: [0],
  };
}

/**
 * NumPy matmul shapes: [..., M, K] @ [..., K, N] with broadcast batch dims; either side may be
 * 1-d ([K]). M, K, N up to 6 (size 0 included: K = 0 gives zeros).
 */
const matmulCases: fc.Arbitrary<OpCase> = fc
  .tuple(dim(6), dim(6), dim(6), broadcastable(2, { maxRank: 2, maxDim: 3 }), fc.boolean(), fc.boolean())
  .map(([m, k, n, [ba, bb], vecA, vecB]) => [
    vecA ? [k] : [...(ba as number[]), m, k],
    vecB ? [k] : [...(bb as number[]), k, n],
  ])
  .filter((shapes) => shapes.every((s) => R.sizeOfShape(s) <= 64))
  .chain((shapes) => operands(shapes, uniform(-2, 2)))
  .map((inputs) => ({ inputs, params: {} }));

export const REDUCE_SPECS: OpSpec[] = [
  ...REDUCE,
  argRow('argmax', T.argmax, (a, b) => a > b),
  argRow('argmin', T.argmin, (a, b) => a < b),
  softmaxRow('softmax', T.softmax, softmaxLane),
  softmaxRow('logSoftmax', T.logSoftmax, (l) => softmaxLane(l).map(Math.log)),
  {
    name: 'matmul',
    cases: matmulCases,
    apply: ([a, b]) => T.matmul(a as Tensor, b as Tensor),
    reference: ([a, b]) => R.matmulRef(a as Ref, b as Ref),
    gradInputs: [0, 1],
  },
];
