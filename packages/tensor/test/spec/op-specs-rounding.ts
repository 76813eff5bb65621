/**
 * Op-spec rows for rounding (floor, ceil, trunc, round: halves, NaN, infinities, signed zeros)
 * and the NumPy predicates (isnan, isinf, isfinite, isclose).
 */
import type { Tensor } from '@webgrad/tensor';
import * as T from '@webgrad/tensor';
import * as fc from 'fast-check';
import { grid, operands, plain, shape, uniform, withSpecials } from './arbitraries.js';
import type { OpSpec, Ref } from './op-spec.js';
import * as R from './references.js';

const std = uniform(-3, 3);
/** (k + 0.3) / 2: fractional parts .15 and .65, away from the jumps of floor/ceil/trunc/round. */
const offGrid = grid(-8, 8, 0.5, 0.3);
const INF = Number.POSITIVE_INFINITY;
const SPECIALS = [Number.NaN, INF, -INF, 0, -0];

/** NumPy's round: to nearest, halves to even. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  const r = d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  return Number.isFinite(v) ? r : v;
}

function roundingRows(): OpSpec[] {
  const fns: [string, (x: Tensor) => Tensor, (v: number) => number][] = [
    ['floor', T.floor, Math.floor],
    ['ceil', T.ceil, Math.ceil],
    ['trunc', T.trunc, Math.trunc],
    ['round', T.round, roundHalfEven],
  ];
  return fns.flatMap(([name, fn, ref]): OpSpec[] => [
    {
      name,
      cases: plain(shape().chain((s) => operands([s], offGrid))),
      apply: ([x]) => fn(x as Tensor),
      reference: ([x]) => R.mapRef(x as Ref, ref),
      gradInputs: [0], // derivative 0
    },
    {
      // Halves (ties for round), integers, NaN, infinities and signed zeros.
      name: `${name} (halves and specials)`,
      cases: plain(shape().chain((s) => operands([s], withSpecials(grid(-6, 6, 0.5, 0), SPECIALS)))),
      apply: ([x]) => fn(x as Tensor),
      reference: ([x]) => R.mapRef(x as Ref, ref),
    },
  ]);
}

const predicate = (name: string, fn: (x: Tensor) => Tensor, ref: (v: number) => boolean): OpSpec => ({
  name,
  cases: plain(shape().chain((s) => operands([s], withSpecials(std, SPECIALS)))),
  apply: ([x]) => fn(x as Tensor),
  reference: ([x]) => R.mapRef(x as Ref, (v) => (ref(v) ? 1 : 0)),
  exact: true,
});

function iscloseRef(a: number, b: number, rtol: number, atol: number, equalNan: boolean): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return equalNan && Number.isNaN(a) && Number.isNaN(b) ? 1 : 0;
  if (a === b) return 1;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return 0;
  return Math.abs(a - b) <= atol + rtol * Math.abs(b) ? 1 : 0;
}

export const ROUNDING_SPECS: OpSpec[] = [
  ...roundingRows(),
  predicate('isnan', T.isnan, Number.isNaN),
  predicate('isinf', T.isinf, (v) => v === INF || v === -INF),
  predicate('isfinite', T.isfinite, Number.isFinite),
  {
    name: 'isclose',
    cases: shape({ maxRank: 2 }).chain((s) =>
      fc
        .tuple(
          // Differences are multiples of 1/2 and no tolerance lands on one, so float32 and the
          // float64 reference cannot disagree at a boundary.
          operands([s, s], withSpecials(grid(-3, 3, 0.5, 0), [Number.NaN, INF, -INF])),
          fc.constantFrom(1e-5, 0.07),
          fc.constantFrom(1e-8, 0.26),
          fc.boolean(),
        )
        .map(([inputs, rtol, atol, equalNan]) => ({ inputs, params: { rtol, atol, equalNan } })),
    ),
    apply: ([a, b], p) =>
      T.isclose(a as Tensor, b as Tensor, {
        rtol: p.rtol as number,
        atol: p.atol as number,
        equalNan: p.equalNan as boolean,
      }),
    reference: ([a, b], p) =>
      R.zipRef([a as Ref, b as Ref], (x, y) =>
        iscloseRef(x, y, p.rtol as number, p.atol as number, p.equalNan as boolean),
      ),
    exact: true,
  },
];
