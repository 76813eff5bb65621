/**
 * Op-spec rows for views: reshape, transpose/permute, expand, slice, squeeze, unsqueeze, flatten
 * and contiguous (values only; that views share storage is a law in laws.property.test.ts).
 */
import type { SliceArg, Tensor } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { oneAxis, operand, shape, uniform } from './arbitraries.js';
import type { OpSpec, Ref } from './op-spec.js';
import * as R from './references.js';

const std = uniform(-3, 3);

function primeFactors(n: number): number[] {
  const out: number[] = [];
  for (let p = 2; n > 1; p++) {
    while (n % p === 0) {
      out.push(p);
      n /= p;
    }
  }
  return out;
}

/** A shape with `s`'s element count: its prime factors dealt into 1-4 dims, maybe one -1. */
function reshapeTarget(s: number[]): fc.Arbitrary<number[]> {
  if (R.sizeOfShape(s) === 0) return fc.shuffledSubarray(s, { minLength: s.length, maxLength: s.length });
  const fs = s.flatMap(primeFactors);
  return fc.integer({ min: 1, max: 4 }).chain((k) =>
    fc
      .tuple(
        fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: fs.length, maxLength: fs.length }),
        fc.option(fc.integer({ min: 0, max: k - 1 })),
      )
      .map(([buckets, unknown]) => {
        const dims = new Array<number>(k).fill(1);
        buckets.forEach((b, i) => {
          dims[b] = (dims[b] as number) * (fs[i] as number);
        });
        if (unknown !== null) dims[unknown] = -1;
        return dims;
      }),
  );
}

function resolveReshape(size: number, to: number[]): number[] {
  const known = to.reduce((a, d) => (d === -1 ? a : a * d), 1);
  return to.map((d) => (d === -1 ? size / known : d));
}

/** Unary row over one float operand of shape `s` with params drawn by `params(s)`. */
function viewRow(
  name: string,
  params: (s: number[]) => fc.Arbitrary<Record<string, unknown>>,
  apply: (x: Tensor, p: Record<string, unknown>) => Tensor,
  reference: (x: Ref, p: Record<string, unknown>) => Ref,
  minRank = 0,
): OpSpec {
  return {
    name,
    cases: shape({ minRank }).chain((s) =>
      fc.tuple(operand(s, std), params(s)).map(([x, p]) => ({ inputs: [x], params: p })),
    ),
    apply: ([x], p) => apply(x as Tensor, p),
    reference: ([x], p) => reference(x as Ref, p),
    gradInputs: [0],
  };
}

const permutation = (nd: number) =>
  fc
    .shuffledSubarray(
      Array.from({ length: nd }, (_, i) => i),
      { minLength: nd, maxLength: nd },
    )
    .chain((perm) => (nd ? fc.tuple(...perm.map((a) => fc.constantFrom(a, a - nd))) : fc.constant([] as number[])));

/**
 * Python slicing (`slice.indices`): negative indices count from the end, then clamp into
 * [0, d] for a positive step and into [-1, d - 1] for a negative one.
 */
function resolveSlice(d: number, r: SliceArg): [start: number, stop: number, step: number, keep: number] {
  if (typeof r === 'number') {
    const k = r < 0 ? r + d : r;
    return [k, k + 1, 1, 1];
  }
  const [a, b, step] = [r?.[0] ?? undefined, r?.[1] ?? undefined, r?.[2] ?? 1];
  const [lo, hi] = step > 0 ? [0, d] : [-1, d - 1];
  const clamp = (v: number) => Math.min(hi, Math.max(lo, v < 0 ? v + d : v));
  const start = a === undefined ? (step > 0 ? 0 : d - 1) : clamp(a);
  const stop = b === undefined ? (step > 0 ? d : -1) : clamp(b);
  return [start, stop, step, Math.max(0, Math.ceil((stop - start) / step))];
}

function sliceArg(d: number): fc.Arbitrary<SliceArg> {
  const bound = fc.option(fc.integer({ min: -d - 2, max: d + 2 }), { nil: undefined });
  const step = fc.option(
    fc.integer({ min: -3, max: 3 }).filter((v) => v !== 0),
    { nil: undefined },
  );
  const range = fc.tuple(bound, bound, step).map(([a, b, s]) => [a, b, s] as const);
  const arbs: fc.Arbitrary<SliceArg>[] = [range, fc.constant(null)];
  if (d > 0) arbs.push(fc.integer({ min: -d, max: d - 1 }));
  return fc.oneof(...arbs);
}

function sliceRef(x: Ref, ranges: SliceArg[]): Ref {
  const rs = x.shape.map((d, i) => resolveSlice(d, ranges[i] ?? null));
  return R.stridedRef(
    x,
    rs.map((r) => r[0]),
    rs.map((r) => r[2]),
    rs.map((r) => r[3]),
  );
}

/** Target of an expand: new leading dims, size-1 dims grown, other dims kept (or -1). */
function expandTarget(s: number[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(
      fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
      fc.tuple(...s.map((d) => (d === 1 ? fc.integer({ min: 0, max: 3 }) : fc.constantFrom(d, -1)))),
    )
    .map(([lead, rest]) => [...lead, ...rest])
    .filter((t) => R.sizeOfShape(t.map((d, i) => (d === -1 ? (s[i - t.length + s.length] as number) : d))) <= 64);
}

export const VIEW_SPECS: OpSpec[] = [
  viewRow(
    'reshape',
    (s) => reshapeTarget(s).map((to) => ({ shape: to })),
    (x, p) => x.reshape(p.shape as number[]),
    (x, p) => ({ shape: resolveReshape(x.data.length, p.shape as number[]), data: [...x.data] }),
  ),
  viewRow(
    'transpose',
    (s) => fc.option(permutation(s.length), { nil: undefined }).map((perm) => ({ perm })),
    (x, p) => (p.perm ? x.permute(...(p.perm as number[])) : x.transpose()),
    (x, p) => {
      const nd = x.shape.length;
      const perm = (p.perm as number[] | undefined) ?? x.shape.map((_, i) => nd - 1 - i);
      return R.permuteRef(
        x,
        perm.map((a) => R.normAxis(a, nd)),
      );
    },
  ),
  viewRow(
    'expand',
    (s) => expandTarget(s).map((to) => ({ shape: to })),
    (x, p) => x.expand(p.shape as number[]),
    (x, p) => {
      const to = p.shape as number[];
      const lead = to.length - x.shape.length;
      return R.expandRef(
        x,
        to.map((d, i) => (d === -1 ? (x.shape[i - lead] as number) : d)),
      );
    },
  ),
  viewRow(
    'slice',
    (s) =>
      fc
        .integer({ min: 0, max: s.length })
        .chain((n) => fc.tuple(...s.slice(0, n).map(sliceArg)))
        .map((ranges) => ({ ranges })),
    (x, p) => x.slice(...(p.ranges as SliceArg[])),
    (x, p) => sliceRef(x, p.ranges as SliceArg[]),
  ),
  viewRow(
    'squeeze',
    (s) => {
      const ones = s.flatMap((d, i) => (d === 1 ? [i, i - s.length] : []));
      const some = fc.subarray(ones).filter((a) => new Set(a.map((v) => R.normAxis(v, s.length))).size === a.length);
      return fc.oneof(fc.constant(undefined), some).map((axis) => ({ axis }));
    },
    (x, p) => x.squeeze(p.axis as number[] | undefined),
    (x, p) => {
      const axes = p.axis === undefined ? null : (p.axis as number[]).map((a) => R.normAxis(a, x.shape.length));
      return { shape: x.shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)), data: [...x.data] };
    },
  ),
  viewRow(
    'unsqueeze',
    (s) => fc.integer({ min: -s.length - 1, max: s.length }).map((axis) => ({ axis })),
    (x, p) => x.unsqueeze(p.axis as number),
    (x, p) => {
      const shape = [...x.shape];
      shape.splice(R.normAxis(p.axis as number, x.shape.length + 1), 0, 1);
      return { shape, data: [...x.data] };
    },
  ),
  viewRow(
    'flatten',
    (s) =>
      s.length === 0
        ? fc.constant({})
        : fc
            .tuple(oneAxis(s.length), oneAxis(s.length))
            .filter(([a, b]) => R.normAxis(a, s.length) <= R.normAxis(b, s.length))
            .map(([start, end]) => ({ start, end })),
    (x, p) => x.flatten(p.start as number | undefined, p.end as number | undefined),
    (x, p) => {
      const nd = x.shape.length;
      if (nd === 0) return { shape: [1], data: [...x.data] };
      const [a, b] = [R.normAxis(p.start as number, nd), R.normAxis(p.end as number, nd)];
      const merged = R.sizeOfShape(x.shape.slice(a, b + 1));
      return { shape: [...x.shape.slice(0, a), merged, ...x.shape.slice(b + 1)], data: [...x.data] };
    },
  ),
  viewRow(
    'contiguous',
    () => fc.constant({}),
    (x) => x.contiguous(),
    (x) => ({ shape: [...x.shape], data: [...x.data] }),
  ),
];
