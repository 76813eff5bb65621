/**
 * float32 exp on f32x4 lanes, as in Cephes' expf (S. Moshier): n = round(x log2 e),
 * r = x - n ln 2 (ln 2 split in two constants so the product is exact), e^r by a degree-6
 * polynomial on [-ln2/2, ln2/2], then the exponent bits of 2^n added. Within 2 ulp of the
 * correctly rounded value; NaN stays NaN, x > ln(FLT_MAX) gives Infinity, and x below
 * ln(FLT_MIN) gives 0 where the TS kernel returns a subnormal (under 1.2e-38).
 *
 *   exp_f32(x, out, n)   contiguous rows of n >= 4 (byte addresses); the last 4 are recomputed
 *                        overlapping instead of a scalar tail
 */
import type { Code, ModuleBuilder } from './module-builder.js';
import { OP, SIMD } from './opcodes.js';

const LOG2E = Math.LOG2E;
const LN2_HI = 0.693359375;
const LN2_LO = -2.1219444e-4;
const MAX_X = 88.72283905206835; // ln(FLT_MAX)
const MIN_X = Math.log(2 ** -126); // ln(FLT_MIN), the smallest normal (-87.3365...)
const POLY = [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

/** Scratch locals for expLanes. */
export interface ExpLocals {
  k: number;
  r: number;
  r2: number;
  big: number;
  small: number;
}

/** Fresh v128 scratch locals for expLanes in `c`. */
export function expLocals(c: Code): ExpLocals {
  return {
    k: c.local('v128'),
    r: c.local('v128'),
    r2: c.local('v128'),
    big: c.local('v128'),
    small: c.local('v128'),
  };
}

/** y = exp(v) on 4 float32 lanes, for locals v (clobbered) and y. */
export function expLanes(c: Code, v: number, y: number, { k, r, r2, big, small }: ExpLocals): void {
  const splat = (value: number) => c.f32(value).simd(SIMD.f32x4Splat);
  c.get(v);
  splat(MAX_X).simd(SIMD.f32x4Gt).set(big);
  c.get(v);
  splat(MIN_X).simd(SIMD.f32x4Lt).set(small);
  // clamp, k = round(v log2 e). pmax(a, b) = a < b ? b : a (pmin likewise) is one x86
  // instruction where the IEEE-exact max/min take several; a NaN v (first operand) passes through.
  c.get(v);
  splat(MIN_X).simd(SIMD.f32x4Pmax);
  splat(MAX_X).simd(SIMD.f32x4Pmin).tee(v);
  splat(LOG2E).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Nearest).set(k);
  // r = v - k ln2_hi - k ln2_lo
  c.get(v).get(k);
  splat(LN2_HI).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Sub).get(k);
  splat(LN2_LO).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Sub).set(r);
  // y = poly(r) r^2 + r + 1, poly by Estrin's scheme (a_j the coefficient of r^j):
  // (a0 + a1 r) + r^2 (a2 + a3 r) + r^4 (a4 + a5 r), a dependency chain of 5 operations where
  // Horner's is 10 (the loop was latency bound)
  const pair = (j: number) => {
    splat(POLY[4 - j] as number)
      .get(r)
      .simd(SIMD.f32x4Mul);
    splat(POLY[5 - j] as number).simd(SIMD.f32x4Add);
  };
  c.get(r).get(r).simd(SIMD.f32x4Mul).set(r2);
  pair(0);
  pair(2);
  c.get(r2).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add);
  pair(4);
  c.get(r2).get(r2).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add);
  c.get(r2).simd(SIMD.f32x4Mul).get(r).simd(SIMD.f32x4Add);
  splat(1).simd(SIMD.f32x4Add).set(y);
  // 2^k as exponent bits, k clamped to 127 (k = 128 only at the top: one more factor 2). k + 127
  // lands in the low mantissa bits of k + (1.5 * 2^23 + 127), exactly (an integer in [1, 254]);
  // shifted left by 23 it is the biased exponent of 2^k (cheaper than converting k to int32).
  c.get(y);
  c.get(k);
  splat(127).simd(SIMD.f32x4Pmin);
  splat(1.5 * 2 ** 23 + 127)
    .simd(SIMD.f32x4Add)
    .i32(23)
    .simd(SIMD.i32x4Shl);
  c.simd(SIMD.f32x4Mul);
  splat(2);
  splat(1);
  c.get(k);
  splat(127).simd(SIMD.f32x4Gt).simd(SIMD.v128Bitselect).simd(SIMD.f32x4Mul).set(y);
  // overflow -> Infinity, below the normals -> 0 (bitselect(a, b, mask) = a where mask)
  splat(Number.POSITIVE_INFINITY).get(y).get(big).simd(SIMD.v128Bitselect).set(y);
  splat(0).get(y).get(small).simd(SIMD.v128Bitselect).set(y);
}

/**
 * Runs `lanes(at)` over a contiguous float32 row of n >= 4 elements (local `n`), `at` a local
 * holding the byte offset of each group of 4 lanes; the last group is recomputed overlapping
 * instead of a scalar tail (so out must not alias x). Shared by exp, erf, tanh and log.
 */
export function forLaneGroups(c: Code, n: number, lanes: (at: number) => void): void {
  const [i, vend, last] = [c.local('i32'), c.local('i32'), c.local('i32')];
  c.get(n).i32(-4).op(OP.i32And).i32(2).op(OP.i32Shl).set(vend);
  c.get(n).i32(4).op(OP.i32Sub).i32(2).op(OP.i32Shl).set(last);
  c.forRange(
    i,
    () => c.i32(0),
    () => c.get(vend),
    16,
    () => lanes(i),
  );
  lanes(last);
}

export function emitExpF32(m: ModuleBuilder): void {
  m.func('exp_f32', ['i32', 'i32', 'i32'], [], (c) => {
    const [x, out, n] = [0, 1, 2];
    const [v, y] = [c.local('v128'), c.local('v128')];
    const scratch = expLocals(c);
    /** out[at] = exp(x[at]) for the 4 lanes at byte offset `at` (a local). */
    const lanes = (at: number) => {
      c.get(x).get(at).op(OP.i32Add).v128Load().set(v);
      expLanes(c, v, y, scratch);
      c.get(out).get(at).op(OP.i32Add).get(y).v128Store();
    };
    forLaneGroups(c, n, lanes);
  });
}
