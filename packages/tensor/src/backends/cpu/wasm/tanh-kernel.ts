/**
 * float32 tanh on f32x4 lanes, in two branches as Cephes' tanhf (S. Moshier) and both computed
 * for every lane, then one selected:
 *   |x| < 0.625:  tanh x = x + x z P(z), z = x^2, P of degree 4 (Cephes' minimax fit), which
 *                 keeps the relative accuracy near 0 (and returns denormals and -0 unchanged);
 *   otherwise:    tanh |x| = 1 - 2 / (e^{2|x|} + 1), with e^{2|x|} from exp-kernel.ts and |x|
 *                 clamped to 9.5 first (tanh(9.5) rounds to 1 in float32, and e^19 stays finite),
 *                 then the sign of x copied onto the result.
 * Within 1 ulp of the correctly rounded value as measured over the whole float32 range (2.5
 * million random bit patterns and sweeps; test/wasm/transcendental.test.ts checks it); NaN
 * stays NaN, ±Infinity gives ±1. float64 tanh stays on the TS kernel (Math.tanh).
 *
 *   tanh_f32(x, out, n)   contiguous rows of n >= 4 (byte addresses), last 4 lanes overlapping
 */
import { expLanes, expLocals, forLaneGroups } from './exp-kernel.js';
import type { ModuleBuilder } from './module-builder.js';
import { OP, SIMD } from './opcodes.js';

/** Below this |x| the polynomial branch runs (Cephes' split point). */
const SMALL = 0.625;
/** |x| is clamped here before exp: past it tanh is 1 in float32. */
const SATURATE = 9.5;
/** P(z), highest degree first (Cephes tanhf). */
const POLY = [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1];

export function emitTanhF32(m: ModuleBuilder): void {
  m.func('tanh_f32', ['i32', 'i32', 'i32'], [], (c) => {
    const [x, out, n] = [0, 1, 2];
    const [v, ax, e, small, poly] = [
      c.local('v128'),
      c.local('v128'),
      c.local('v128'),
      c.local('v128'),
      c.local('v128'),
    ];
    const scratch = expLocals(c);
    const splat = (value: number) => c.f32(value).simd(SIMD.f32x4Splat);
    const lanes = (at: number) => {
      c.get(x).get(at).op(OP.i32Add).v128Load().tee(v).simd(SIMD.f32x4Abs).tee(ax);
      splat(SMALL).simd(SIMD.f32x4Lt).set(small);
      // Small branch: |x| + |x| z P(z) (Horner in z = x^2).
      c.get(ax).get(ax).simd(SIMD.f32x4Mul).set(e);
      splat(POLY[0] as number);
      for (const coef of POLY.slice(1)) {
        c.get(e).simd(SIMD.f32x4Mul);
        splat(coef).simd(SIMD.f32x4Add);
      }
      c.get(e).simd(SIMD.f32x4Mul).get(ax).simd(SIMD.f32x4Mul).get(ax).simd(SIMD.f32x4Add).set(poly);
      // Large branch: 1 - 2 / (e^{2 min(|x|, 9.5)} + 1); a NaN |x| passes through pmin and exp.
      c.get(ax);
      splat(SATURATE).simd(SIMD.f32x4Pmin).tee(e).get(e).simd(SIMD.f32x4Add).set(e);
      expLanes(c, e, e, scratch);
      // out = bitselect(small branch, large branch, small) (= the first where the mask is set)
      c.get(out).get(at).op(OP.i32Add).get(poly);
      splat(1);
      splat(2).get(e);
      splat(1).simd(SIMD.f32x4Add).simd(SIMD.f32x4Div).simd(SIMD.f32x4Sub);
      c.get(small).simd(SIMD.v128Bitselect);
      // copy the sign of x: y | (x & -0)
      c.get(v);
      splat(-0).simd(SIMD.v128And).simd(SIMD.v128Or).v128Store();
    };
    forLaneGroups(c, n, lanes);
  });
}
