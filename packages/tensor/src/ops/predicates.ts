/**
 * Elementwise tests with NumPy semantics (isnan, isinf, isfinite, isclose) and allclose. allclose
 * reads one number back, so it returns a Promise<boolean>; allcloseSync is its CPU-only twin
 * (as dataSync is data's).
 */
import { isFloat, promoteTypes } from '../dtype.js';
import { fail } from '../errors.js';
import { tidy } from '../memory.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import {
  abs,
  add,
  cast,
  eq,
  le,
  logicalAnd,
  logicalNot,
  logicalOr,
  lt,
  mul,
  ne,
  scalarLike,
  sub,
} from './elementwise.js';
import { sum } from './reductions.js';

/** NaN test, bool; integer and bool tensors have no NaN. @example isnan(tensor([1, NaN])) // [false, true] */
export function isnan(x: Tensor): Tensor {
  return ne(x, x);
}

/** ±Infinity test, bool. */
export function isinf(x: Tensor): Tensor {
  return isFloat(x.dtype) ? eq(abs(x), Number.POSITIVE_INFINITY) : ne(x, x);
}

/** Neither NaN nor ±Infinity, bool (always true for integer and bool tensors). */
export function isfinite(x: Tensor): Tensor {
  return isFloat(x.dtype) ? lt(abs(x), Number.POSITIVE_INFINITY) : eq(x, x);
}

/** Tolerances of `allclose` and `isclose` (NumPy's). */
export interface CloseOptions {
  /** Relative tolerance (default 1e-5, NumPy's). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8, NumPy's). */
  atol?: number;
  /** NaN counts as equal to NaN (default false). */
  equalNan?: boolean;
}

function asFloatPair(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') fail('value', op, 'needs at least one tensor operand');
  const like = (typeof a === 'number' ? b : a) as Tensor;
  const sd = isFloat(like.dtype) ? like.dtype : 'float32';
  const [ta, tb] = [a, b].map((v) => (typeof v === 'number' ? scalarLike(v, like, sd) : v)) as [Tensor, Tensor];
  broadcastShapes(op, ta.shape, tb.shape);
  let d = typeof a === 'number' ? tb.dtype : typeof b === 'number' ? ta.dtype : promoteTypes(ta.dtype, tb.dtype);
  if (!isFloat(d)) d = 'float32';
  return [cast(ta, d), cast(tb, d)];
}

/**
 * |a - b| <= atol + rtol |b| elementwise (NumPy isclose: asymmetric in b), bool. Infinities are
 * close only to themselves; NaN to nothing unless `equalNan`.
 * @example isclose(tensor([1, 2]), tensor([1, 2.1])) // [true, false]
 */
export function isclose(a: TensorLike, b: TensorLike, opts: CloseOptions = {}): Tensor {
  const { rtol = 1e-5, atol = 1e-8, equalNan = false } = opts;
  if (!(rtol >= 0 && atol >= 0)) fail('value', 'isclose', `tolerances must be >= 0, got rtol ${rtol}, atol ${atol}`);
  const [x, y] = asFloatPair('isclose', a, b);
  const within = le(abs(sub(x, y)), add(mul(abs(y), rtol), atol));
  let close = logicalOr(eq(x, y), logicalAnd(logicalAnd(isfinite(x), isfinite(y)), within));
  if (equalNan) close = logicalOr(close, logicalAnd(isnan(x), isnan(y)));
  return close;
}

function countFar(a: TensorLike, b: TensorLike, opts: CloseOptions): Tensor {
  return tidy(() => sum(logicalNot(isclose(a, b, opts))));
}

/**
 * True when every element is `isclose` (shapes broadcast, as NumPy's allclose).
 * @example await allclose(x.matmul(eye(3)), x) // true
 */
export async function allclose(a: TensorLike, b: TensorLike, opts: CloseOptions = {}): Promise<boolean> {
  const far = countFar(a, b, opts);
  try {
    return (await far.item()) === 0;
  } finally {
    far.dispose();
  }
}

/** `allclose` without a Promise, for CPU tensors. */
export function allcloseSync(a: TensorLike, b: TensorLike, opts: CloseOptions = {}): boolean {
  const far = countFar(a, b, opts);
  try {
    return far.dataSync()[0] === 0;
  } finally {
    far.dispose();
  }
}
