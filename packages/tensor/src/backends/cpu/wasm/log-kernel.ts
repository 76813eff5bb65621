/**
 * float32 natural log on f32x4 lanes, as in Cephes' logf (S. Moshier): split x = 2^e m with
 * m in [sqrt(1/2), sqrt(2)) from its bits (a denormal x is first scaled by 2^23, exactly), then
 *   log x = t - t^2/2 + t^3 P(t) + e ln 2,   t = m - 1 (exact),
 * with P of degree 8 (Cephes' minimax fit on that interval, evaluated by Estrin's scheme) and
 * ln 2 split in two constants so e ln 2 is added without rounding its high part. Within 1 ulp of the correctly rounded value
 * as measured over the whole float32 range, denormals included (2.5 million random bit patterns
 * and sweeps; test/wasm/transcendental.test.ts checks it). Special values as
 * Math.log: log(±0) = -Infinity, log(x < 0) = NaN, log(+Infinity) = +Infinity, NaN stays NaN.
 * float64 log stays on the TS kernel (Math.log).
 *
 *   log_f32(x, out, n)   contiguous rows of n >= 4 (byte addresses), last 4 lanes overlapping
 */
import { forLaneGroups } from './exp-kernel.js';
import type { Code, ModuleBuilder } from './module-builder.js';
import { OP, SIMD } from './opcodes.js';

const SQRT_HALF = Math.SQRT1_2;
const LN2_HI = 0.693359375;
const LN2_LO = -2.1219444e-4;
const FLT_MIN = 2 ** -126;
/** P(t), highest degree first (Cephes logf). */
const POLY = [
  7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
  2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
];

/** Pushes `value` in every f32 lane, or an i32 in every i32 lane. */
const f32s = (c: Code, value: number) => c.f32(value).simd(SIMD.f32x4Splat);
const i32s = (c: Code, value: number) => c.i32(value).simd(SIMD.i32x4Splat);

export function emitLogF32(m: ModuleBuilder): void {
  m.func('log_f32', ['i32', 'i32', 'i32'], [], (c) => {
    const [x, out, n] = [0, 1, 2];
    const v128 = () => c.local('v128');
    const [v, s, e, t, z, y, mask, z2] = [v128(), v128(), v128(), v128(), v128(), v128(), v128(), v128()];
    const lanes = (at: number) => {
      // Denormals (and everything below FLT_MIN, fixed up at the end) scaled by 2^23: s.
      c.get(x).get(at).op(OP.i32Add).v128Load().tee(v);
      f32s(c, FLT_MIN).simd(SIMD.f32x4Lt).set(mask);
      c.get(v);
      f32s(c, 2 ** 23)
        .simd(SIMD.f32x4Mul)
        .get(v)
        .get(mask)
        .simd(SIMD.v128Bitselect)
        .tee(s);
      // e = biased exponent - 126 (- 23 where scaled), m = mantissa with exponent 2^-1: [0.5, 1)
      c.i32(23).simd(SIMD.i32x4ShrU);
      i32s(c, 126).simd(SIMD.i32x4Sub);
      c.get(mask);
      i32s(c, 23).simd(SIMD.v128And).simd(SIMD.i32x4Sub).set(e);
      c.get(s);
      i32s(c, 0x007fffff).simd(SIMD.v128And);
      i32s(c, 0x3f000000).simd(SIMD.v128Or).tee(t);
      // m < sqrt(1/2): use 2m and e - 1 (mask lanes are -1); t = m - 1 or 2m - 1, both exact
      f32s(c, SQRT_HALF).simd(SIMD.f32x4Lt).tee(mask);
      c.get(e).simd(SIMD.i32x4Add).set(e);
      c.get(t).get(t).get(mask).simd(SIMD.v128And).simd(SIMD.f32x4Add);
      f32s(c, 1).simd(SIMD.f32x4Sub).tee(t);
      c.get(t).simd(SIMD.f32x4Mul).set(z);
      c.get(e).simd(SIMD.f32x4ConvertI32x4S).set(e);
      // y = t z P(t) + e ln2_lo - z / 2, P by Estrin's scheme (a_k the coefficient of t^k):
      // ((a0 + a1 t) + (a2 + a3 t) z) + z^2 (((a4 + a5 t) + (a6 + a7 t) z) + a8 z^2), a dependency
      // chain of 6 operations where Horner's is 16 (the loop was latency bound: 3.6 ns/element)
      const a = (k: number) => POLY[8 - k] as number;
      const pair = (k: number) => {
        f32s(c, a(k + 1))
          .get(t)
          .simd(SIMD.f32x4Mul);
        f32s(c, a(k)).simd(SIMD.f32x4Add);
      };
      pair(0);
      pair(2);
      c.get(z).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add);
      pair(4);
      pair(6);
      c.get(z).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add);
      c.get(z).get(z).simd(SIMD.f32x4Mul).tee(z2);
      f32s(c, a(8)).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add);
      c.get(z2).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add);
      c.get(t).simd(SIMD.f32x4Mul).get(z).simd(SIMD.f32x4Mul);
      c.get(e);
      f32s(c, LN2_LO).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add);
      c.get(z);
      f32s(c, 0.5).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Sub).set(y);
      // log x = (t + y) + e ln2_hi
      c.get(t).get(y).simd(SIMD.f32x4Add).get(e);
      f32s(c, LN2_HI).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add).set(y);
      // Specials (bitselect(a, b, mask) = a where mask): x itself unless x < Infinity
      // (Infinity and NaN), -Infinity at ±0, NaN below 0.
      c.get(y).get(v).get(v);
      f32s(c, Number.POSITIVE_INFINITY).simd(SIMD.f32x4Lt).simd(SIMD.v128Bitselect).set(y);
      f32s(c, Number.NEGATIVE_INFINITY).get(y).get(v);
      f32s(c, 0).simd(SIMD.f32x4Eq).simd(SIMD.v128Bitselect).set(y);
      c.get(out).get(at).op(OP.i32Add);
      f32s(c, Number.NaN).get(y).get(v);
      f32s(c, 0).simd(SIMD.f32x4Lt).simd(SIMD.v128Bitselect).v128Store();
    };
    forLaneGroups(c, n, lanes);
  });
}
