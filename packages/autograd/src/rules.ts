/**
 * THE derivative table: one vector-Jacobian product per primitive of @webgrad/tensor.
 *
 * Vocabulary (as in JAX's lax.py and PyTorch's derivatives.yaml):
 * - `g`     the cotangent of the output (d loss / d out), shaped like `out`;
 * - `out`   the primitive's forward output;
 * - `x`, `a`, `b`, ... the primitive's inputs (`xs` when variadic), a tuple typed per primitive
 *   (prim-inputs.ts: `add` receives `[a, b]`); `attrs` its attributes.
 * The JVP table (jvp-rules.ts) has the same rows in the same order, in the same vocabulary.
 * A rule returns one entry per input: a thunk that computes that input's cotangent (called only
 * when the input needs one), or `undefined` for inputs that are not differentiable (conditions,
 * indices). Cotangents of broadcast operands may be returned in the broadcast shape: the engine
 * sums them back with its one generic `unbroadcast` (backward.ts).
 *
 * Rules are written with tensor ops, never backend kernels, so the backward pass is itself
 * recorded when an outer level is tracing: that is how higher-order gradients work.
 */
import {
  cast,
  cos,
  dispatch,
  div,
  eq,
  exp,
  expand,
  isFloat,
  log,
  logicalAnd,
  logicalOr,
  matmul,
  mul,
  ne,
  neg,
  type Prim,
  type PrimAttrs,
  pow,
  reshape,
  sin,
  sub,
  sum,
  swapAxes,
  type Tensor,
  transpose,
  where,
  zeros,
} from '@webgrad/tensor';
import type { PrimInputs } from './prim-inputs.js';
import { productOfOthers } from './prod-vjp.js';

/** The cotangent of one input, computed on demand; undefined = not differentiable. */
export type Cotangent = (() => Tensor) | undefined;

/** A reverse-mode rule: the output's cotangent `g`, the output, the inputs and attrs to one cotangent thunk (or undefined) per input. */
export type Vjp<P extends Prim> = (g: Tensor, out: Tensor, xs: PrimInputs<P>, attrs: PrimAttrs[P]) => Cotangent[];

// ---- named helpers for the longer formulas ----------------------------------------------------

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** The reduced output's shape with the reduced axes kept as 1. */
function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/**
 * d(a^b)/da = b a^(b-1). NOTE: at b = 0, a^b is the constant 1 for every a, but the formula gives
 * 0 * 0^-1 = NaN at a = 0 (and NaN at a = NaN): there the gradient is 0, as in PyTorch and
 * tinygrad. Only those points are changed (a -> 1 inside pow, so 0 * 1 = 0 and nothing infinite
 * appears in higher derivatives); elsewhere the formula stands, so that its own derivative in b
 * stays right at b = 0 (d^2(a^b)/da db = 1/a there, which masking every b == 0 would lose).
 */
export function powBaseGrad(a: Tensor, b: Tensor): Tensor {
  const constant = logicalAnd(eq(b, 0), logicalOr(eq(a, 0), ne(a, a)));
  return mul(b, pow(where(constant, 1, a), sub(b, 1)));
}

/**
 * d(a^b)/db = a^b log(a). NOTE: for a < 0 this is NaN (the log of a negative number), as in JAX
 * and PyTorch: a^b is not real around such points. At a = 0 it is 0, as in JAX (0^b is constant
 * in b for b > 0; PyTorch agrees for b >= 0), where the formula would give 0 * -inf = NaN. The
 * inner `where` keeps log away from 0, so no NaN reaches higher derivatives (double-where trick).
 */
export function powExponentGrad(out: Tensor, a: Tensor): Tensor {
  const zero = eq(a, 0);
  return where(zero, 0, mul(out, log(where(zero, 1, a))));
}

/**
 * 1 where `x` produced the maximum `out` (x == out, or x is NaN: a NaN operand makes the maximum
 * NaN), else 0, in x's dtype. Comparing with the output (as JAX's _balanced_eq does) sends the
 * gradient of a NaN maximum to the NaN instead of nowhere (NaN == NaN is false).
 */
export function producedMax(x: Tensor, out: Tensor): Tensor {
  return cast(logicalOr(eq(x, out), ne(x, x)), x.dtype);
}

/**
 * The share of d max(a, b) that goes to each operand: 1 to the one that produced the maximum
 * (the larger one, or the NaN), and NOTE: 1/2 to each at ties (a == b, or both NaN), so the two
 * shares always sum to 1.
 */
export function maxShares(a: Tensor, b: Tensor, out: Tensor): [Tensor, Tensor] {
  const ha = producedMax(a, out);
  const hb = producedMax(b, out);
  const half = mul(mul(ha, hb), 0.5);
  return [sub(ha, half), sub(hb, half)];
}

/**
 * d maxReduce: g goes to the maxima of each group (to its NaNs when it holds any: they make the
 * maximum NaN); NOTE: at ties it is shared equally among them (each of k maxima gets g / k), so
 * the subgradient sums to g.
 */
function maxReduceVjp(g: Tensor, out: Tensor, x: Tensor, axes: readonly number[]): Tensor {
  const kept = keptShape(x.shape, axes);
  const isMax = producedMax(x, reshape(out, kept));
  const share = div(isMax, sum(isMax, axes, true));
  return mul(share, reshape(g, kept));
}

/** d prod(x)/dx_i = prod_{j != i} x_j, by prefix and suffix products (prod-vjp.ts: exact at zeros). */
function prodVjp(g: Tensor, x: Tensor, axes: readonly number[]): Tensor {
  return mul(productOfOthers(x, axes), reshape(g, keptShape(x.shape, axes)));
}

/**
 * slice and pad are transposes of each other: the cotangent of a strided slice is g placed back
 * at the sliced positions, i.e. g padded with `start` before, the rest after, and step - 1
 * zeros between elements (lax.pad's interior padding). A negative step picks the same elements
 * as the positive step |step| from its last pick, in reverse order: g is reversed on those axes
 * first (itself a step -1 slice, so this rule stays differentiable).
 */
function sliceVjp(g: Tensor, x: Tensor, { starts, steps }: PrimAttrs['slice']): Tensor {
  const backward = g.shape.map((n, i) => (steps[i] as number) < 0 && n > 0);
  const gf = backward.some(Boolean)
    ? dispatch('slice', [g], {
        starts: g.shape.map((n, i) => (backward[i] ? n - 1 : 0)),
        stops: g.shape.map((n, i) => (backward[i] ? -1 : n)),
        steps: backward.map((b) => (b ? -1 : 1)),
      })
    : g;
  const step = steps.map((s) => Math.abs(s));
  const low = starts.map((a, i) => (backward[i] ? a - ((g.shape[i] as number) - 1) * (step[i] as number) : a));
  const interior = step.map((s) => s - 1);
  const high = x.shape.map((d, i) => {
    const n = g.shape[i] as number;
    const used = n === 0 ? 0 : (n - 1) * (step[i] as number) + 1;
    return d - (low[i] as number) - used;
  });
  return dispatch('pad', [gf], { low, high, interior, value: 0 });
}

/** The cotangent of pad: the strided slice that picks the original elements back out of g. */
function padVjp(g: Tensor, x: Tensor, { low, interior }: PrimAttrs['pad']): Tensor {
  const steps = interior.map((n) => n + 1);
  const stops = x.shape.map((d, i) =>
    d === 0 ? (low[i] as number) : (low[i] as number) + (d - 1) * (steps[i] as number) + 1,
  );
  return dispatch('slice', [g], { starts: [...low], stops, steps });
}

/** The piece of g along `axis` that came from input `k` of a concat. */
function concatPiece(g: Tensor, xs: readonly Tensor[], k: number, axis: number): Tensor {
  let start = 0;
  for (let i = 0; i < k; i++) start += (xs[i] as Tensor).shape[axis] as number;
  const x = xs[k] as Tensor;
  const starts = g.shape.map((_, i) => (i === axis ? start : 0));
  const stops = g.shape.map((d, i) => (i === axis ? start + (x.shape[axis] as number) : d));
  return dispatch('slice', [g], { starts, stops, steps: g.shape.map(() => 1) });
}

function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inv[p] = i;
  });
  return inv;
}

// ---- the table ----------------------------------------------------------------------------------

/** THE derivative table: one vector-Jacobian product per primitive (`satisfies Record<Prim, Vjp>`); see this file's header for its vocabulary. */
export const RULES = {
  neg: (g) => [() => neg(g)],
  exp: (g, out) => [() => mul(g, out)],
  log: (g, _out, [x]) => [() => div(g, x)],
  // d sqrt(x) = 1 / (2 sqrt(x))
  sqrt: (g, out) => [() => div(mul(g, 0.5), out)],
  sin: (g, _out, [x]) => [() => mul(g, cos(x))],
  cos: (g, _out, [x]) => [() => neg(mul(g, sin(x)))],
  // d tanh(x) = 1 - tanh(x)^2
  tanh: (g, out) => [() => mul(g, sub(1, mul(out, out)))],
  // d erf(x) = 2/sqrt(pi) e^{-x^2}
  erf: (g, _out, [x]) => [() => mul(g, mul(exp(neg(mul(x, x))), TWO_OVER_SQRT_PI))],
  // NOTE: floor is piecewise constant: its derivative is 0 (PyTorch's choice at the jumps too).
  floor: () => [undefined],
  // float -> float: g cast back to the input's dtype; from int32/bool there is nothing to differentiate.
  cast: (g, _out, [x]) => [isFloat(x.dtype) ? () => cast(g, x.dtype) : undefined],

  add: (g) => [() => g, () => g],
  sub: (g) => [() => g, () => neg(g)],
  mul: (g, _out, [a, b]) => [() => mul(g, b), () => mul(g, a)],
  // d(a/b)/db = -a/b^2 = -(a/b)/b
  div: (g, out, [, b]) => [() => div(g, b), () => neg(div(mul(g, out), b))],
  // d(a^b)/da = b a^(b-1); d(a^b)/db = a^b log(a); edge points in powBaseGrad, powExponentGrad
  pow: (g, out, [a, b]) => [() => mul(g, powBaseGrad(a, b)), () => mul(g, powExponentGrad(out, a))],
  max: (g, out, [a, b]) => {
    let shares: [Tensor, Tensor] | undefined;
    const share = (i: 0 | 1) => (shares ??= maxShares(a, b, out))[i];
    return [() => mul(g, share(0)), () => mul(g, share(1))];
  },
  cmplt: () => [undefined, undefined],
  cmpeq: () => [undefined, undefined],
  // NOTE: a // b is piecewise constant: derivative 0 in both operands (PyTorch, JAX), jumps included.
  floorDiv: () => [undefined, undefined],
  // a % b = a - b * (a // b): d/da = 1, d/db = -(a // b), with a // b piecewise constant.
  remainder: (g, _out, [a, b]) => [() => g, () => neg(mul(g, dispatch('floorDiv', [a, b], {})))],
  // The condition is not differentiable; each branch gets g where it was selected.
  where: (g, _out, [cond]) => [undefined, () => where(cond, g, 0), () => where(cond, 0, g)],

  sum: (g, _out, [x], { axes }) => [() => expand(reshape(g, keptShape(x.shape, axes)), x.shape)],
  maxReduce: (g, out, [x], { axes }) => [() => maxReduceVjp(g, out, x, axes)],
  prod: (g, _out, [x], { axes }) => [() => prodVjp(g, x, axes)],

  reshape: (g, _out, [x]) => [() => reshape(g, x.shape)],
  permute: (g, _out, _xs, { perm }) => [() => transpose(g, inversePerm(perm))],
  // expand is broadcasting: summing g over the expanded axes is exactly the engine's unbroadcast.
  expand: (g) => [() => g],
  slice: (g, _out, [x], attrs) => [() => sliceVjp(g, x, attrs)],
  pad: (g, _out, [x], attrs) => [() => padVjp(g, x, attrs)],
  concat: (g, _out, xs, { axis }) => xs.map((_, k) => () => concatPiece(g, xs, k, axis)),
  // gather's cotangent scatters g back (repeated indices accumulate); the index has none.
  gather: (g, _out, [x, index], { axis }) => [
    () =>
      dispatch('scatterAdd', [zeros(x.shape, { dtype: g.dtype, device: g.device }), index, g], {
        axis,
      }),
    undefined,
  ],
  scatterAdd: (g, _out, [, index], { axis }) => [() => g, undefined, () => dispatch('gather', [g, index], { axis })],
  // d(a @ b) = g @ b^T for a and a^T @ g for b; broadcast batch dims are summed by unbroadcast.
  matmul: (g, _out, [a, b]) => [() => matmul(g, swapAxes(b, -1, -2)), () => matmul(swapAxes(a, -1, -2), g)],
  contiguous: (g) => [() => g],
  // Integer positions: no cotangent. sort/topk values are gathers, differentiable through gather.
  argsort: () => [undefined],
} satisfies { [P in Prim]: Vjp<P> };
