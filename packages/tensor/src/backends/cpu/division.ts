/**
 * Python-style division for the CPU kernels: floor division and remainder (the remainder takes
 * the divisor's sign), and exact int32 powers. Integer division by zero and integers to negative
 * powers raise, as NumPy and PyTorch do on the CPU, instead of producing a silent value.
 */
import { fail } from '../../errors.js';

/** Float a // b from fmod, as CPython's float_divmod: consistent with remainderF. x // 0 = x / 0 (NumPy). */
export function floorDivF(x: number, y: number): number {
  if (y === 0) return x / y;
  const mod = x % y; // fmod: exact, sign of x
  let div = (x - mod) / y;
  if (mod !== 0 && y < 0 !== mod < 0) div -= 1;
  if (div === 0) {
    const q = x / y; // the zero takes the sign of the true quotient, as copysign(0, x / y)
    return q < 0 || Object.is(q, -0) ? -0 : 0;
  }
  const f = Math.floor(div);
  return div - f > 0.5 ? f + 1 : f;
}

/** Float a % b with the sign of b (Python, NumPy); x % 0 is NaN. */
export function remainderF(x: number, y: number): number {
  const mod = x % y;
  if (mod === 0) return y < 0 ? -0 : 0;
  return y < 0 !== mod < 0 ? mod + y : mod;
}

/** int32 a // b, rounded toward -infinity (the int32 store wraps -2^31 // -1 back to -2^31). */
export function floorDivI(x: number, y: number): number {
  if (y === 0) zeroDivisor('floorDiv');
  // |x|, |y| < 2^31: the float64 quotient is never off by enough to cross an integer.
  return Math.floor(x / y);
}

/** int32 a % b with the sign of b. */
export function remainderI(x: number, y: number): number {
  if (y === 0) zeroDivisor('remainder');
  const r = x % y;
  return r !== 0 && r < 0 !== y < 0 ? r + y : r;
}

/** int32 x^y by repeated squaring, wrapping like int32 arithmetic (and the WebGPU kernel). */
export function powI(x: number, y: number): number {
  if (y < 0) {
    fail(
      'value',
      'pow',
      `integers to negative integer powers are not allowed (int32 exponent ${y}); cast the base to float32 first`,
    );
  }
  let r = 1;
  let b = x | 0;
  for (let e = y; e > 0; e >>>= 1) {
    if (e & 1) r = Math.imul(r, b);
    b = Math.imul(b, b);
  }
  return r;
}

function zeroDivisor(op: string): never {
  return fail(
    'value',
    op,
    `integer division by zero (an int32 divisor is 0); replace zero divisors first, e.g. where(b.eq(0), 1, b), or use float operands`,
  );
}
