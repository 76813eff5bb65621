/**
 * Op-spec rows for data movement: concat, stack, pad, gather, take, scatterAdd, oneHot.
 */
import type { Tensor } from '@webgrad/tensor';
import * as T from '@webgrad/tensor';
import * as fc from 'fast-check';
import { dim, ints, oneAxis, operand, operands, shape, uniform } from './arbitraries.js';
import type { OpCase, OpSpec, Ref } from './op-spec.js';
import * as R from './references.js';

const std = uniform(-3, 3);
/** Three pieces agreeing off `axis`, each with 0-3 elements along it. */
const concatCases: fc.Arbitrary<OpCase> = shape({ minRank: 1, maxSize: 20 }).chain((s) =>
  oneAxis(s.length).chain((axis) =>
    fc
      .tuple(dim(3), dim(3), dim(3))
      .chain((ks) =>
        operands(
          ks.map((k) => s.map((d, i) => (i === R.normAxis(axis, s.length) ? k : d))),
          std,
        ),
      )
      .map((inputs) => ({ inputs, params: { axis } })),
  ),
);

/**
 * x, an in-range int32 index shaped like x off `axis` (k along it), for gather / scatterAdd;
 * indices are drawn from [-n, n): negative ones count from the end (NumPy).
 */
function indexedCases(withSrc: boolean): fc.Arbitrary<OpCase> {
  return shape({ minRank: 1 }).chain((s) =>
    fc.tuple(oneAxis(s.length), dim(4)).chain(([axis, k]) => {
      const ax = R.normAxis(axis, s.length);
      const n = s[ax] as number;
      // k elements along the axis (none when x has none there); at most 64 in all.
      const grow = (kk: number) => s.map((d, i) => (i === ax ? (n === 0 ? 0 : kk) : d));
      const is = R.sizeOfShape(grow(k)) <= 64 ? grow(k) : s;
      const parts = [operand(s, std), operand(is, ints(-n, Math.max(0, n - 1)), 'int32')];
      if (withSrc) parts.push(operand(is, std));
      return fc.tuple(...parts).map((inputs) => ({ inputs, params: { axis } }));
    }),
  );
}

export const MOVEMENT_SPECS: OpSpec[] = [
  {
    name: 'concat',
    cases: concatCases,
    apply: (xs, p) => T.concat(xs, p.axis as number),
    reference: (xs, p) => R.concatRef(xs, p.axis as number),
    gradInputs: [0, 1, 2],
  },
  {
    name: 'stack',
    cases: shape({ maxSize: 24 }).chain((s) =>
      fc
        .tuple(operands([s, s], std), fc.integer({ min: -s.length - 1, max: s.length }))
        .map(([inputs, axis]) => ({ inputs, params: { axis } })),
    ),
    apply: (xs, p) => T.stack(xs, p.axis as number),
    reference: (xs, p) => {
      const ax = R.normAxis(p.axis as number, (xs[0] as Ref).shape.length + 1);
      const up = xs.map((x) => ({ shape: [...x.shape.slice(0, ax), 1, ...x.shape.slice(ax)], data: x.data }));
      return R.concatRef(up, ax);
    },
    gradInputs: [0, 1],
  },
  {
    name: 'pad',
    cases: shape({ maxSize: 24 }).chain((s) =>
      fc
        .tuple(
          operand(s, std),
          fc.integer({ min: 0, max: s.length }).chain((n) =>
            fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), {
              minLength: n,
              maxLength: n,
            }),
          ),
          fc.constantFrom(0, 1.5, -2),
        )
        .map(([x, widths, value]) => ({ inputs: [x], params: { widths, value } })),
    ),
    apply: ([x], p) => T.pad(x as Tensor, p.widths as [number, number][], p.value as number),
    reference: ([x], p) => R.padRef(x as Ref, p.widths as [number, number][], p.value as number),
    gradInputs: [0],
  },
  {
    name: 'gather',
    cases: indexedCases(false),
    apply: ([x, i], p) => T.gather(x as Tensor, i as Tensor, p.axis as number),
    reference: ([x, i], p) => R.gatherRef(x as Ref, i as Ref, p.axis as number),
    gradInputs: [0],
  },
  {
    name: 'scatterAdd',
    cases: indexedCases(true),
    apply: ([x, i, s], p) => T.scatterAdd(x as Tensor, i as Tensor, s as Tensor, p.axis as number),
    reference: ([x, i, s], p) => R.scatterAddRef(x as Ref, i as Ref, s as Ref, p.axis as number),
    gradInputs: [0, 2],
  },
  {
    name: 'take',
    cases: shape({ minRank: 1, maxSize: 32 }).chain((s) =>
      fc.tuple(oneAxis(s.length), shape({ maxRank: 2, maxDim: 3 })).chain(([axis, is]) => {
        const n = s[R.normAxis(axis, s.length)] as number;
        // Nothing can be taken from an empty axis: then the index is empty too.
        const index = n > 0 ? is : [0];
        return fc
          .tuple(operand(s, std), operand(index, ints(-n, Math.max(0, n - 1)), 'int32'))
          .map((inputs) => ({ inputs, params: { axis } }));
      }),
    ),
    apply: ([x, i], p) => T.take(x as Tensor, i as Tensor, p.axis as number),
    reference: ([x, i], p) => R.takeRef(x as Ref, i as Ref, p.axis as number),
    gradInputs: [0],
  },
  {
    name: 'oneHot',
    cases: fc
      .tuple(shape({ maxRank: 2 }), fc.integer({ min: 1, max: 5 }))
      .chain(([s, depth]) => operand(s, ints(0, depth - 1), 'int32').map((i) => ({ inputs: [i], params: { depth } }))),
    apply: ([i], p) => T.oneHot(i as Tensor, p.depth as number),
    reference: ([i], p) => {
      const depth = p.depth as number;
      const x = i as Ref;
      return R.build([...x.shape, depth], (idx) => (x.data[R.ravel(idx.slice(0, -1), x.shape)] === idx.at(-1) ? 1 : 0));
    },
    exact: true,
  },
];
