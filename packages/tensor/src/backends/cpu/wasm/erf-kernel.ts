/**
 * float32 erf on f32x4 lanes, Abramowitz and Stegun 7.1.26: for t = 1 / (1 + p |x|),
 * erf(|x|) = 1 - t (a1 + t (a2 + t (a3 + t (a4 + t a5)))) e^{-x^2}: the fit is within 1.5e-7,
 * evaluated in float32 within about 5.1e-7 (a few float32 ulp; the GELU of a float32 network needs
 * no more; test/wasm/elementwise.test.ts checks the bound). The sign is
 * copied from x; NaN stays NaN. float64 erf stays on the TS kernel (gradcheck needs its full
 * accuracy, see erf.ts).
 *
 *   erf_f32(x, out, n)   contiguous rows of n >= 4 (byte addresses), last 4 lanes overlapping
 */
import { expLanes, expLocals, forLaneGroups } from './exp-kernel.js';
import type { ModuleBuilder } from './module-builder.js';
import { OP, SIMD } from './opcodes.js';

const P = 0.3275911;
const A = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429];

export function emitErfF32(m: ModuleBuilder): void {
  m.func('erf_f32', ['i32', 'i32', 'i32'], [], (c) => {
    const [x, out, n] = [0, 1, 2];
    const [v, ax, t, e] = [c.local('v128'), c.local('v128'), c.local('v128'), c.local('v128')];
    const scratch = expLocals(c);
    const splat = (value: number) => c.f32(value).simd(SIMD.f32x4Splat);
    const lanes = (at: number) => {
      c.get(x).get(at).op(OP.i32Add).v128Load().tee(v).simd(SIMD.f32x4Abs).set(ax);
      // t = 1 / (1 + p |x|)
      splat(1);
      splat(1).get(ax);
      splat(P).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Add).simd(SIMD.f32x4Div).set(t);
      // e = exp(-x^2)
      c.get(ax).get(ax).simd(SIMD.f32x4Mul).simd(SIMD.f32x4Neg).set(e);
      expLanes(c, e, e, scratch);
      // poly(t) by Horner, then 1 - t poly e
      splat(A[4] as number);
      for (const a of [A[3], A[2], A[1], A[0]] as number[]) {
        c.get(t).simd(SIMD.f32x4Mul);
        splat(a).simd(SIMD.f32x4Add);
      }
      c.get(t).simd(SIMD.f32x4Mul).get(e).simd(SIMD.f32x4Mul).set(e);
      c.get(out).get(at).op(OP.i32Add);
      splat(1).get(e).simd(SIMD.f32x4Sub);
      // copy the sign of x: y | (x & -0)
      c.get(v);
      splat(-0).simd(SIMD.v128And).simd(SIMD.v128Or).v128Store();
    };
    forLaneGroups(c, n, lanes);
  });
}
