/**
 * Op-spec rows for the building blocks: sort/argsort/topk, cumsum/cumprod, std, norm, split/chunk
 * and flip (rounding and predicates: op-specs-rounding.ts).
 */
import type { Tensor } from '@webgrad/tensor';
import * as T from '@webgrad/tensor';
import * as fc from 'fast-check';
import {
  axisArg,
  distinct,
  grid,
  ints,
  oneAxis,
  operand,
  shape,
  uniform,
  type Values,
  withSpecials,
} from './arbitraries.js';
import type { OpCase, OpSpec, Ref } from './op-spec.js';
import * as R from './references.js';

const std = uniform(-3, 3);
const INF = Number.POSITIVE_INFINITY;

/** Strict sort order: ascending NaN last, descending NaN first. */
function before(descending: boolean): (a: number, b: number) => boolean {
  return descending
    ? (a, b) => (Number.isNaN(a) && !Number.isNaN(b)) || a > b
    : (a, b) => !Number.isNaN(a) && (Number.isNaN(b) || a < b);
}

/** Stable argsort of one lane by insertion (a different algorithm from the kernels'). */
function argsortLane(lane: number[], descending: boolean): number[] {
  const b = before(descending);
  const order: number[] = [];
  for (let i = 0; i < lane.length; i++) {
    let k = order.length;
    while (k > 0 && b(lane[i] as number, lane[order[k - 1] as number] as number)) k--;
    order.splice(k, 0, i);
  }
  return order;
}

/** x, an axis and `descending`; rank >= 1. */
function sortCases(values: Values, kind: 'float' | 'int32' = 'float'): fc.Arbitrary<OpCase> {
  return shape({ minRank: 1 }).chain((s) =>
    fc
      .tuple(operand(s, values, kind), oneAxis(s.length), fc.boolean())
      .map(([x, axis, descending]) => ({ inputs: [x], params: { axis, descending } })),
  );
}

const sortParams = (p: Record<string, unknown>) => [p.axis as number, { descending: p.descending as boolean }] as const;

/** The first k of each lane's sorted order, along `axis`. */
function topkRef(x: Ref, k: number, axis: number, largest: boolean, pick: 'values' | 'indices'): Ref {
  const ax = R.normAxis(axis, x.shape.length);
  const out = x.shape.map((d, i) => (i === ax ? k : d));
  return R.build(out, (idx) => {
    const lane = Array.from({ length: x.shape[ax] as number }, (_, j) =>
      R.at(
        x,
        idx.map((v, i) => (i === ax ? j : v)),
      ),
    );
    const j = argsortLane(lane, largest)[idx[ax] as number] as number;
    return pick === 'indices' ? j : (lane[j] as number);
  });
}

function topkCases(values: Values): fc.Arbitrary<OpCase> {
  return shape({ minRank: 1 }).chain((s) =>
    fc
      .tuple(operand(s, values), oneAxis(s.length), fc.boolean())
      .chain(([x, axis, largest]) =>
        fc
          .integer({ min: 0, max: x.shape[R.normAxis(axis, s.length)] as number })
          .map((k) => ({ inputs: [x], params: { axis, largest, k } })),
      ),
  );
}

function topkRow(name: string, pick: 'values' | 'indices', values: Values): OpSpec {
  return {
    name,
    cases: topkCases(values),
    apply: ([x], p) => T.topk(x as Tensor, p.k as number, p.axis as number, { largest: p.largest as boolean })[pick],
    reference: ([x], p) => topkRef(x as Ref, p.k as number, p.axis as number, p.largest as boolean, pick),
    ...(pick === 'values' ? { gradInputs: [0] } : { exact: true }),
  };
}

function scanRow(name: 'cumsum' | 'cumprod', values: Values): OpSpec {
  const step = name === 'cumsum' ? (a: number, b: number) => a + b : (a: number, b: number) => a * b;
  const scanLane = (lane: number[]) => {
    const out: number[] = [];
    for (const [i, v] of lane.entries()) out.push(i === 0 ? v : step(out[i - 1] as number, v));
    return out;
  };
  return {
    name,
    cases: shape({ minRank: 1 }).chain((s) =>
      fc.tuple(operand(s, values), oneAxis(s.length)).map(([x, axis]) => ({ inputs: [x], params: { axis } })),
    ),
    apply: ([x], p) => (name === 'cumsum' ? T.cumsum : T.cumprod)(x as Tensor, p.axis as number),
    reference: ([x], p) => R.alongAxis(x as Ref, p.axis as number, scanLane),
    gradInputs: [0],
  };
}

/** ±(distinct magnitudes): |x| has no ties, so max |x| has one gradient. */
const signedDistinct: Values = (n) =>
  fc
    .tuple(distinct(1, 300, 0.01)(n), fc.array(fc.boolean(), { minLength: n, maxLength: n }))
    .map(([vs, neg]) => vs.map((v, i) => (neg[i] ? -v : v)));

function normRow(name: string, values: Values, differentiable: boolean): OpSpec {
  return {
    name,
    cases: shape()
      .chain((s) => fc.tuple(operand(s, values), axisArg(s.length), fc.boolean(), fc.constantFrom(1, 2, 3, INF)))
      .filter(([x, axis, , p]) => p !== INF || R.normAxes(axis, x.shape.length).every((a) => x.shape[a] !== 0))
      .map(([x, axis, keepdims, p]) => ({ inputs: [x], params: { axis, keepdims, p } })),
    apply: ([x], p) => T.norm(x as Tensor, p.p as number, p.axis as number, p.keepdims as boolean),
    reference: ([x], p) => normRef(x as Ref, p.p as number, p.axis as number | undefined, p.keepdims as boolean),
    ...(differentiable ? { gradInputs: [0] } : {}),
  };
}

function normRef(x: Ref, p: number, axis: number | number[] | undefined, keepdims: boolean): Ref {
  const a = R.mapRef(x, Math.abs);
  if (p === INF) return R.reduceRef(a, axis, keepdims, 0, Math.max);
  const s = R.reduceRef(a, axis, keepdims, 0, (acc, v) => acc + v ** p);
  return R.mapRef(s, (v) => v ** (1 / p));
}

/** Each piece of a split scaled by its position (1, 2, ...): checks every boundary. */
function scaledPieces(pieces: Tensor[], axis: number): Tensor {
  return T.concat(
    pieces.map((t, i) => t.mul(i + 1)),
    axis,
  );
}

function splitRef(x: Ref, axis: number, sizes: number[]): Ref {
  const ax = R.normAxis(axis, x.shape.length);
  const piece = (j: number) => {
    let at = 0;
    for (let k = 0; k < sizes.length; k++) {
      at += sizes[k] as number;
      if (j < at) return k;
    }
    return sizes.length - 1;
  };
  return R.build(x.shape, (idx) => R.at(x, idx) * (piece(idx[ax] as number) + 1));
}

export const BLOCK_SPECS: OpSpec[] = [
  {
    name: 'argsort',
    cases: sortCases(withSpecials(grid(-2, 2, 1, 0), [Number.NaN, INF, -INF, -0])),
    apply: ([x], p) => T.argsort(x as Tensor, ...sortParams(p)),
    reference: ([x], p) => R.alongAxis(x as Ref, p.axis as number, (l) => argsortLane(l, p.descending as boolean)),
    exact: true,
  },
  {
    name: 'argsort int32',
    cases: sortCases(ints(-3, 3), 'int32'),
    apply: ([x], p) => T.argsort(x as Tensor, ...sortParams(p)),
    reference: ([x], p) => R.alongAxis(x as Ref, p.axis as number, (l) => argsortLane(l, p.descending as boolean)),
    exact: true,
  },
  {
    name: 'sort',
    cases: sortCases(distinct(-200, 199, 0.02)),
    apply: ([x], p) => T.sort(x as Tensor, ...sortParams(p)),
    reference: ([x], p) =>
      R.alongAxis(x as Ref, p.axis as number, (l) =>
        argsortLane(l, p.descending as boolean).map((j) => l[j] as number),
      ),
    gradInputs: [0],
  },
  topkRow('topk values', 'values', distinct(-200, 199, 0.02)),
  topkRow('topk indices', 'indices', grid(-2, 2, 1, 0)),
  scanRow('cumsum', std),
  // Exact zeros on purpose: the scan has no division, so its gradient is right there too.
  scanRow('cumprod', withSpecials(uniform(-1.5, 1.5), [0])),
  {
    name: 'std',
    cases: shape()
      .chain((s) =>
        fc.tuple(operand(s, distinct(-200, 199, 0.02)), axisArg(s.length), fc.boolean(), fc.constantFrom(0, 1)),
      )
      // At least two elements per group: the variance is then > 0 (distinct values) and sqrt smooth.
      .filter(([x, axis]) => R.sizeOfShape(R.normAxes(axis, x.shape.length).map((a) => x.shape[a] as number)) >= 2)
      .map(([x, axis, keepdims, correction]) => ({ inputs: [x], params: { axis, keepdims, correction } })),
    apply: ([x], p) => T.std(x as Tensor, p.axis as number, p.keepdims as boolean, p.correction as number),
    reference: ([x], p) => {
      const xr = x as Ref;
      const axis = p.axis as number | number[] | undefined;
      const sum = (a: number, v: number) => a + v;
      const m = R.reduceRef(xr, axis, true, 0, sum, (a, n) => a / n);
      const sq = R.zipRef([xr, m], (v, mu) => (v - mu) ** 2);
      const c = p.correction as number;
      return R.reduceRef(sq, axis, p.keepdims as boolean, 0, sum, (a, n) => Math.sqrt(a / (n - c)));
    },
    gradInputs: [0],
  },
  normRow('norm', signedDistinct, true),
  // Exact zeros (whole lanes too): values only. The gradient there, 0 as in PyTorch, is checked in
  // autograd's building-blocks test (the norm is not twice differentiable at 0).
  normRow('norm (zeros)', withSpecials(signedDistinct, [0]), false),
  {
    name: 'split',
    cases: shape({ minRank: 1 }).chain((s) =>
      fc.tuple(operand(s, std), oneAxis(s.length), fc.integer({ min: 1, max: 3 })).map(([x, axis, size]) => ({
        inputs: [x],
        params: { axis, size },
      })),
    ),
    apply: ([x], p) => scaledPieces(T.split(x as Tensor, p.size as number, p.axis as number), p.axis as number),
    reference: ([x], p) => {
      const n = (x as Ref).shape[R.normAxis(p.axis as number, (x as Ref).shape.length)] as number;
      const k = p.size as number;
      return splitRef(
        x as Ref,
        p.axis as number,
        Array.from({ length: Math.ceil(n / k) }, () => k),
      );
    },
    gradInputs: [0],
  },
  {
    name: 'chunk',
    cases: shape({ minRank: 1 }).chain((s) =>
      fc.tuple(operand(s, std), oneAxis(s.length), fc.integer({ min: 1, max: 4 })).map(([x, axis, chunks]) => ({
        inputs: [x],
        params: { axis, chunks },
      })),
    ),
    apply: ([x], p) => scaledPieces(T.chunk(x as Tensor, p.chunks as number, p.axis as number), p.axis as number),
    reference: ([x], p) => {
      const n = (x as Ref).shape[R.normAxis(p.axis as number, (x as Ref).shape.length)] as number;
      const k = Math.ceil(n / (p.chunks as number));
      return splitRef(x as Ref, p.axis as number, k > 0 ? Array.from({ length: Math.ceil(n / k) }, () => k) : [0]);
    },
    gradInputs: [0],
  },
  {
    name: 'flip',
    cases: shape().chain((s) =>
      fc.tuple(operand(s, std), axisArg(s.length)).map(([x, axis]) => ({ inputs: [x], params: { axis } })),
    ),
    apply: ([x], p) => T.flip(x as Tensor, p.axis as number),
    reference: ([x], p) => {
      const xr = x as Ref;
      const axes = R.normAxes(p.axis as number | undefined, xr.shape.length);
      return R.build(xr.shape, (idx) =>
        R.at(
          xr,
          idx.map((v, i) => (axes.includes(i) ? (xr.shape[i] as number) - 1 - v : v)),
        ),
      );
    },
    gradInputs: [0],
  },
];
