/**
 * THE JVP table: one Jacobian-vector product per primitive of @webgrad/tensor, in the same order
 * and vocabulary as the VJP table (rules.ts):
 * - `ts`    the tangents of the inputs, one per input (`t` for a unary op, `ta`, `tb` for a
 *           binary one); `undefined` is a zero tangent (an input that does not depend on the
 *           variables of the jvp), so a rule never multiplies by a tensor of zeros;
 * - `out`   the primitive's forward output;
 * - `x`, `a`, `b`, ... the primitive's inputs (`xs`), typed per primitive (prim-inputs.ts);
 *   `attrs` its attributes.
 * A rule returns the output's tangent, or `undefined` when it is zero (integer and bool results).
 * The engine (forward.ts) calls a rule only when at least one input has a tangent, and expands a
 * tangent of a broadcast operand to `out`'s shape with its one generic `expand`, as the reverse
 * engine sums cotangents back with its one `unbroadcast`. Edge points (pow at 0, ties and NaN in
 * max, zeros in prod) use the VJP table's own helpers, so ⟨u, J v⟩ agrees in both modes
 * everywhere, not only away from them.
 *
 * Rules are written with tensor ops, so a tangent computation is itself observed: an enclosing
 * grad records it, an enclosing jvp pushes its own tangents through it. Linear primitives
 * (views, sum, pad, concat, gather, scatterAdd, contiguous) are their own JVP: the same primitive
 * applied to the tangents.
 */
import {
  add,
  cast,
  cos,
  dispatch,
  div,
  exp,
  isFloat,
  matmul,
  mul,
  neg,
  type Prim,
  type PrimAttrs,
  reshape,
  sin,
  sub,
  sum,
  type Tensor,
  where,
  zerosLike,
} from '@webgrad/tensor';
import type { PrimInputs, PrimTangents } from './prim-inputs.js';
import { productOfOthers } from './prod-vjp.js';
import { maxShares, powBaseGrad, powExponentGrad, producedMax } from './rules.js';

/** A tangent; undefined = zero. */
export type Tangent = Tensor | undefined;

/** A forward-mode rule: the tangents of the inputs, the output, the inputs and attrs to the output's tangent. */
export type Jvp<P extends Prim> = (ts: PrimTangents<P>, out: Tensor, xs: PrimInputs<P>, attrs: PrimAttrs[P]) => Tangent;

// ---- named helpers --------------------------------------------------------------------------

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** The sum of the tangent terms that are present (undefined when none is). */
function plus(...terms: Tangent[]): Tangent {
  let total: Tangent;
  for (const t of terms) if (t) total = total ? add(total, t) : t;
  return total;
}

/** t * factor, computed only when the tangent is present (the factor is a thunk). */
function scaled(t: Tangent, factor: () => Tensor | number): Tangent {
  return t && mul(t, factor());
}

/** The reduced output's shape with the reduced axes kept as 1. */
function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/**
 * d maxReduce along t: the tangent at the group's maximum; NOTE: at ties, the mean of the tied
 * entries' tangents, with NaN counting as a maximum (producedMax, shared with the VJP table,
 * which splits g the same way, so both modes agree).
 */
function maxReduceJvp(t: Tensor, out: Tensor, x: Tensor, { axes, keepdims }: PrimAttrs['maxReduce']): Tensor {
  const isMax = producedMax(x, keepdims ? out : reshape(out, keptShape(x.shape, axes)));
  const share = div(isMax, sum(isMax, axes, true));
  return dispatch('sum', [mul(t, share)], { axes, keepdims });
}

/**
 * d prod(x) along t = sum_i t_i prod_{j != i} x_j, with the product of the others computed by
 * prefix and suffix scans (prod-vjp.ts, shared with the VJP table): exact at zeros.
 */
function prodJvp(t: Tensor, x: Tensor, { axes, keepdims }: PrimAttrs['prod']): Tensor {
  return dispatch('sum', [mul(t, productOfOthers(x, axes))], { axes, keepdims });
}

/** A zero tangent for an operand of a linear multi-input primitive that has none. */
function orZeros(t: Tangent, x: Tensor): Tensor {
  return t ?? zerosLike(x);
}

// ---- the table (same rows, same order as rules.ts) ------------------------------------------

/** THE forward-mode table: one JVP rule per primitive, same rows and vocabulary as `RULES` (`satisfies Record<Prim, Jvp>`). */
export const JVP_RULES = {
  neg: ([t]) => t && neg(t),
  exp: ([t], out) => scaled(t, () => out),
  log: ([t], _out, [x]) => t && div(t, x),
  // d sqrt(x) = 1 / (2 sqrt(x))
  sqrt: ([t], out) => t && div(mul(t, 0.5), out),
  sin: ([t], _out, [x]) => scaled(t, () => cos(x)),
  cos: ([t], _out, [x]) => t && neg(mul(t, sin(x))),
  // d tanh(x) = 1 - tanh(x)^2
  tanh: ([t], out) => scaled(t, () => sub(1, mul(out, out))),
  // d erf(x) = 2/sqrt(pi) e^{-x^2}
  erf: ([t], _out, [x]) => scaled(t, () => mul(exp(neg(mul(x, x))), TWO_OVER_SQRT_PI)),
  // NOTE: floor is piecewise constant: a zero tangent (as its VJP).
  floor: () => undefined,
  // float -> float: the tangent cast along; to int32/bool the result is piecewise constant: zero.
  cast: ([t], out) => (t && isFloat(out.dtype) ? cast(t, out.dtype) : undefined),

  add: ([ta, tb]) => plus(ta, tb),
  sub: ([ta, tb]) => plus(ta, tb && neg(tb)),
  mul: ([ta, tb], _out, [a, b]) =>
    plus(
      scaled(ta, () => b),
      scaled(tb, () => a),
    ),
  // d(a/b) = ta / b - (a/b) tb / b = (ta - out tb) / b
  div: ([ta, tb], out, [, b]) => {
    const num = plus(ta, tb && neg(mul(out, tb)));
    return num && div(num, b);
  },
  // d(a^b) = b a^(b-1) ta + a^b log(a) tb; edge points as in the VJP table (powBaseGrad, ...)
  pow: ([ta, tb], out, [a, b]) =>
    plus(
      scaled(ta, () => powBaseGrad(a, b)),
      scaled(tb, () => powExponentGrad(out, a)),
    ),
  // NOTE: as in the VJP table, a tie (or NaN on both sides) passes half of each tangent.
  max: ([ta, tb], out, [a, b]) => {
    const [sa, sb] = maxShares(a, b, out);
    return plus(
      scaled(ta, () => sa),
      scaled(tb, () => sb),
    );
  },
  cmplt: () => undefined,
  cmpeq: () => undefined,
  // NOTE: floor division is piecewise constant: a zero tangent (its derivative where it exists).
  floorDiv: () => undefined,
  // a % b = a - b floor(a / b): d = ta - floor(a / b) tb, away from the jumps.
  remainder: ([ta, tb], _out, [a, b]) => plus(ta, tb && neg(mul(dispatch('floorDiv', [a, b], {}), tb))),
  // The condition has no tangent; each position takes the tangent of the branch it selects.
  where: ([, ta, tb], _out, [cond, a, b]) => where(cond, orZeros(ta, a), orZeros(tb, b)),

  sum: ([t], _out, _xs, attrs) => t && dispatch('sum', [t], attrs),
  maxReduce: ([t], out, [x], attrs) => t && maxReduceJvp(t, out, x, attrs),
  prod: ([t], _out, [x], attrs) => t && prodJvp(t, x, attrs),

  reshape: ([t], _out, _xs, attrs) => t && dispatch('reshape', [t], attrs),
  permute: ([t], _out, _xs, attrs) => t && dispatch('permute', [t], attrs),
  expand: ([t], _out, _xs, attrs) => t && dispatch('expand', [t], attrs),
  slice: ([t], _out, _xs, attrs) => t && dispatch('slice', [t], attrs),
  // The padding value is a constant: its tangent is 0.
  pad: ([t], _out, _xs, attrs) => t && dispatch('pad', [t], { ...attrs, value: 0 }),
  concat: (ts, _out, xs, attrs) =>
    dispatch(
      'concat',
      xs.map((x, k) => orZeros(ts[k], x)),
      attrs,
    ),
  gather: ([t], _out, [, index], attrs) => t && dispatch('gather', [t, index], attrs),
  scatterAdd: ([tx, , tsrc], _out, [x, index, src], attrs) =>
    dispatch('scatterAdd', [orZeros(tx, x), index, orZeros(tsrc, src)], attrs),
  // d(a @ b) = ta @ b + a @ tb
  matmul: ([ta, tb], _out, [a, b]) => plus(ta && matmul(ta, b), tb && matmul(a, tb)),
  contiguous: ([t]) => t && dispatch('contiguous', [t], {}),
  // Integer positions: no tangent.
  argsort: () => undefined,
} satisfies { [P in Prim]: Jvp<P> };
