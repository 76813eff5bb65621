/**
 * Elementwise composites: scalar handling and dtype promotion in front of the primitives, plus
 * the ops derived from them (sub via add/neg is not needed: sub is a primitive; minimum via max).
 */

import { dispatch, fromValues } from '../dispatch.js';
import { coerceScalar, DTYPES, type DType, isDType, isFloat, promoteTypes, scalarDType } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import type { Prim } from '../prims.js';
import type { Tensor, TensorLike } from '../tensor.js';

/** A 0-d tensor holding `value`, on `like`'s device. */
export function scalarLike(value: number, like: Tensor, dtype: DType = like.dtype): Tensor {
  return fromValues(like.device, dtype, [], [coerceScalar(value, dtype)]);
}

/** A copy of `x` converted to `dtype` (float to int32 truncates toward zero and saturates). */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x; // every binary op casts both operands: the common case first
  if (!isDType(dtype)) fail('dtype', 'cast', `unsupported dtype '${String(dtype)}'; supported: ${DTYPES.join(', ')}`);
  return dispatch('cast', [x], { dtype });
}

/** Brings two operands (at least one a tensor) to one dtype; numbers are weakly typed. */
export function promote(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') fail('value', op, 'needs at least one tensor operand');
  // Checked here, before the scalar is placed on the tensor's device, so the error names `op`.
  for (const t of [a, b]) {
    if (typeof t !== 'number' && t.isDisposed)
      fail('disposed', op, `operand #${t.id} ${fmtShape(t.shape)} ${t.dtype} was disposed`);
  }
  if (typeof a === 'number') {
    const t = b as Tensor;
    const d = scalarDType(a, t.dtype);
    return [scalarLike(a, t, d), cast(t, d)];
  }
  if (typeof b === 'number') {
    const d = scalarDType(b, a.dtype);
    return [cast(a, d), scalarLike(b, a, d)];
  }
  const d = promoteTypes(a.dtype, b.dtype);
  return [cast(a, d), cast(b, d)];
}

function binary(prim: Prim & ('add' | 'sub' | 'mul' | 'max' | 'cmplt' | 'cmpeq' | 'floorDiv' | 'remainder')) {
  return (a: TensorLike, b: TensorLike): Tensor => dispatch(prim, promote(prim, a, b), {});
}

/** Float result for ops that are only defined on floats: ints and bools become float32. */
function asFloat(x: Tensor): Tensor {
  return isFloat(x.dtype) ? x : cast(x, 'float32');
}

/** Elementwise a + b, broadcasting and promoting dtypes. */
export const add = binary('add');
/** Elementwise a - b, broadcasting and promoting dtypes. */
export const sub = binary('sub');
/** Elementwise a * b, broadcasting and promoting dtypes. */
export const mul = binary('mul');

/**
 * True division, as `/` in NumPy, PyTorch and JAX: integer and bool operands are divided as
 * float32 (so int32 7 / 2 is 3.5 and x / 0 is inf or NaN). For Python's `//` use floorDiv.
 * @example div(tensor(Int32Array.from([7, -7])), 2).dataSync() // Float32Array [3.5, -3.5]
 */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = promote('div', a, b);
  if (isFloat(x.dtype)) return dispatch('div', [x, y], {});
  return dispatch('div', [cast(x, 'float32'), cast(y, 'float32')], {});
}

/**
 * a ** b. int32 powers are exact (wrapping like int32 arithmetic). An int32 base to a negative
 * integer power is an error, as in NumPy and PyTorch: at once for a number exponent; for a
 * tensor exponent on the CPU when the kernel meets it, while WebGPU gives PyTorch's tensor
 * values there (1 for base 1, +-1 for base -1, else 0).
 * @example pow(tensor([2, 3]), 2).dataSync() // Float32Array [4, 9]
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = promote('pow', a, b);
  if (typeof b === 'number' && b < 0 && x.dtype === 'int32') {
    fail(
      'value',
      'pow',
      `integers to negative integer powers are not allowed (int32 base, exponent ${b}); cast the base to float32 first`,
    );
  }
  return dispatch('pow', [x, y], {});
}

/**
 * Python's a // b: the quotient rounded toward -infinity, in the operands' promoted dtype
 * (int32 stays int32). int32 division by zero raises on the CPU; on WebGPU it gives 0 (the kernel
 * cannot raise; NumPy's value). Floats: x // 0 is +-inf or NaN. Its derivative is 0.
 * @example floorDiv(tensor(Int32Array.from([7, -7])), 2).dataSync() // Int32Array [3, -4]
 */
export const floorDiv = binary('floorDiv');

/**
 * Python's a % b = a - b * (a // b): the result has the divisor's sign (torch.remainder,
 * np.remainder; not JS's %, which follows the dividend). int32 x % 0 raises on the CPU and gives 0
 * on WebGPU; floats: x % 0 is NaN.
 * @example remainder(tensor(Int32Array.from([-7, 7])), 3).dataSync() // Int32Array [2, 1]
 */
export const remainder = binary('remainder');
/** Elementwise maximum; NaN propagates. */
export const maximum = binary('max');
/** Bool tensor: a < b, broadcasting. */
export const lt = binary('cmplt');
/** Bool tensor: a == b, broadcasting. */
export const eq = binary('cmpeq');

/** Elementwise minimum of a and b, broadcasting. */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = promote('minimum', a, b);
  return flipOrder(maximum(flipOrder(x), flipOrder(y)));
}

/**
 * An order-reversing involution, so min(x) = flipOrder(max(flipOrder(x))): -x for floats, and for
 * int32 ~x = -x - 1, which (unlike -x) has no overflow at -2^31 (wrapping makes it exact).
 */
export function flipOrder(x: Tensor): Tensor {
  return x.dtype === 'int32' ? sub(neg(x), 1) : neg(x);
}
/** Bool tensor: a > b, broadcasting. */
export function gt(a: TensorLike, b: TensorLike): Tensor {
  return lt(b, a);
}
// le/ge as lt-or-eq, not as not-gt: comparisons with NaN must be false (IEEE, NumPy).
/** Bool tensor: a <= b, broadcasting. */
export function le(a: TensorLike, b: TensorLike): Tensor {
  return logicalOr(lt(a, b), eq(a, b));
}
/** Bool tensor: a >= b, broadcasting. */
export function ge(a: TensorLike, b: TensorLike): Tensor {
  return logicalOr(gt(a, b), eq(a, b));
}
/** Bool tensor: a != b, broadcasting. */
export function ne(a: TensorLike, b: TensorLike): Tensor {
  return logicalNot(eq(a, b));
}
/** Bool tensor: not x (nonzero counts as true). */
export function logicalNot(x: Tensor): Tensor {
  if (x.dtype !== 'bool') fail('dtype', 'logicalNot', `expects a bool tensor, got ${x.dtype}`);
  return eq(x, scalarLike(0, x));
}

/** Bool tensor: a or b (nonzero counts as true), broadcasting. */
export function logicalOr(a: Tensor, b: Tensor): Tensor {
  return where(a, a, b);
}
/** Bool tensor: a and b (nonzero counts as true), broadcasting. */
export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  return where(a, b, a);
}

/** Elementwise -x. */
export function neg(x: Tensor): Tensor {
  return dispatch('neg', [x], {});
}
/** Elementwise e^x (integers become float32). */
export function exp(x: Tensor): Tensor {
  return dispatch('exp', [asFloat(x)], {});
}
/** Natural log; log(0) = -Infinity, log(x < 0) = NaN (IEEE). */
export function log(x: Tensor): Tensor {
  return dispatch('log', [asFloat(x)], {});
}
/** Elementwise square root (integers become float32). */
export function sqrt(x: Tensor): Tensor {
  return dispatch('sqrt', [asFloat(x)], {});
}
/** Elementwise sine (integers become float32). */
export function sin(x: Tensor): Tensor {
  return dispatch('sin', [asFloat(x)], {});
}
/** Elementwise cosine (integers become float32). */
export function cos(x: Tensor): Tensor {
  return dispatch('cos', [asFloat(x)], {});
}
/** Elementwise hyperbolic tangent (integers become float32). */
export function tanh(x: Tensor): Tensor {
  return dispatch('tanh', [asFloat(x)], {});
}
/** Elementwise error function (integers become float32). */
export function erf(x: Tensor): Tensor {
  return dispatch('erf', [asFloat(x)], {});
}
/** Elementwise x * x. */
export function square(x: Tensor): Tensor {
  return mul(x, x);
}
/** Elementwise 1 / x. */
export function reciprocal(x: Tensor): Tensor {
  return div(1, asFloat(x));
}
/** Elementwise 1 / sqrt(x). */
export function rsqrt(x: Tensor): Tensor {
  return reciprocal(sqrt(x));
}

/** -1, 0 or 1 in x's dtype. Not differentiable (its derivative is 0 almost everywhere). */
export function sign(x: Tensor): Tensor {
  return sub(cast(gt(x, 0), x.dtype), cast(lt(x, 0), x.dtype));
}

/** |x| = x * sign(x). NOTE: the gradient at 0 is sign(0) = 0, as in PyTorch. */
export function abs(x: Tensor): Tensor {
  return mul(x, sign(x));
}

/**
 * Selects `a` where `cond` is true, else `b`; all three broadcast. Both branches may be numbers
 * (NumPy): integers give int32, other numbers float32, placed on `cond`'s device.
 * @example where(x.gt(0), 1, 0) // int32, shaped like x
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (typeof a === 'number' && typeof b === 'number') {
    const d: DType = Number.isInteger(a) && Number.isInteger(b) ? 'int32' : 'float32';
    return dispatch('where', [cond, scalarLike(a, cond, d), scalarLike(b, cond, d)], {});
  }
  const [x, y] = promote('where', a, b);
  return dispatch('where', [cond, x, y], {});
}

/** Clamps into [min, max]; either bound may be omitted. */
export function clip(x: Tensor, min?: number, max?: number): Tensor {
  let y = x;
  if (min !== undefined) y = maximum(y, min);
  if (max !== undefined) y = minimum(y, max);
  return y;
}

/** PyTorch's name for `clip`. @example clamp(x, 0, 1) */
export const clamp = clip;
