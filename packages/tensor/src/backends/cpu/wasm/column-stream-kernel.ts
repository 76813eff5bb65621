/**
 * Column reductions over wide rows, streaming: for each strip of up to STRIP columns, a row of
 * accumulators (in the output itself, or in a float64 scratch row for float32 sums) is updated by
 * every input row in turn, so the input is read in memory order. The register-blocked kernel
 * (column-reduce-kernel.ts) walks down one 16-column block at a time instead, which is faster
 * for narrow rows in cache but slower once rows are wide or the operand comes from memory (each
 * step down a column then lands in a new page, where hardware prefetchers stop); reduce.ts picks
 * by row width.
 *
 *   ssum_<t>(x, out, outer, R, C, scratch)   smax_<t>(x, out, outer, R, C, scratch)
 *
 * Same arithmetic as the register kernel: each column accumulated in row order from +0 in float64
 * (sums; float32 rounded once at the end) or from -Infinity with the NaN-propagating wasm max.
 * `scratch`: STRIP float64 slots (only float32 sums use it).
 */

import { forBytes } from './loops.js';
import { F32, type FloatType } from './matmul-kernel.js';
import type { Code, ModuleBuilder } from './module-builder.js';
import { OP, SIMD } from './opcodes.js';

/** Columns per strip: 16 KiB of float64 accumulators, which stay in L1 while rows stream past. */
export const STRIP = 2048;

function emitStream(m: ModuleBuilder, t: FloatType, prim: 'sum' | 'max'): void {
  const widen = prim === 'sum' && t === F32; // float32 sums accumulate in a float64 scratch row
  const accBytes = prim === 'sum' ? 8 : t.bytes;
  const accLoad = prim === 'sum' ? OP.f64Load : t.load;
  const accStore = prim === 'sum' ? OP.f64Store : t.store;
  const [vop, sop] =
    prim === 'sum' ? [SIMD.f64x2Add, OP.f64Add] : t === F32 ? [SIMD.f32x4Max, OP.f32Max] : [SIMD.f64x2Max, OP.f64Max];
  const identity = (c: Code) =>
    prim === 'sum' ? c.f64(0) : t === F32 ? c.f32(Number.NEGATIVE_INFINITY) : c.f64(Number.NEGATIVE_INFINITY);
  m.func(`s${prim}_${t.name}`, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (c) => {
    const [x, out, outer, rows, cols, scratch] = [0, 1, 2, 3, 4, 5];
    const i32 = () => c.local('i32');
    const [o, rowBytes, strip, width, acc] = [i32(), i32(), i32(), i32(), i32()];
    const [accEnd, r, px, pa, vend, pend] = [i32(), i32(), i32(), i32(), i32(), i32()];
    c.get(cols).i32(t.log2).op(OP.i32Shl).set(rowBytes);
    c.forRange(
      o,
      () => c.i32(0),
      () => c.get(outer),
      1,
      () => {
        // strip: byte offset of this strip in a row; width: its input bytes
        forBytes(
          c,
          strip,
          () => c.i32(0),
          rowBytes,
          STRIP * t.bytes,
          () => {
            c.get(rowBytes).get(strip).op(OP.i32Sub);
            c.i32(STRIP * t.bytes)
              .get(rowBytes)
              .get(strip)
              .op(OP.i32Sub);
            c.i32(STRIP * t.bytes)
              .op(OP.i32LtU)
              .op(OP.select)
              .set(width);
            if (widen) c.get(scratch).set(acc);
            else c.get(out).get(strip).op(OP.i32Add).set(acc);
            c.get(acc)
              .get(width)
              .i32(t.log2)
              .op(OP.i32ShrU)
              .i32(Math.log2(accBytes))
              .op(OP.i32Shl)
              .op(OP.i32Add)
              .set(accEnd);
            forBytes(
              c,
              pa,
              () => c.get(acc),
              accEnd,
              accBytes,
              () => {
                c.get(pa);
                identity(c).mem(accStore);
              },
            );
            c.forRange(
              r,
              () => c.i32(0),
              () => c.get(rows),
              1,
              () => {
                c.get(x).get(r).get(rowBytes).op(OP.i32Mul).op(OP.i32Add).get(strip).op(OP.i32Add).set(px);
                c.get(px).get(width).i32(-16).op(OP.i32And).op(OP.i32Add).set(vend);
                c.get(px).get(width).op(OP.i32Add).set(pend);
                c.get(acc).set(pa);
                // 16 input bytes per step: 4 float32 (two f64x2 accumulators when widened) or 2 float64
                forBytes(
                  c,
                  px,
                  () => c.get(px),
                  vend,
                  16,
                  () => {
                    for (const half of widen ? [0, 1] : [0]) {
                      c.get(pa)
                        .get(pa)
                        .v128Load(16 * half);
                      if (widen)
                        c.get(px)
                          .mem(SIMD.v128Load64Zero, 8 * half, 0, true)
                          .simd(SIMD.f64x2PromoteLowF32x4);
                      else c.get(px).v128Load();
                      c.simd(vop).v128Store(16 * half);
                    }
                    c.get(pa)
                      .i32(widen ? 32 : 16)
                      .op(OP.i32Add)
                      .set(pa);
                  },
                );
                forBytes(
                  c,
                  px,
                  () => c.get(px),
                  pend,
                  t.bytes,
                  () => {
                    c.get(pa).get(pa).mem(accLoad).get(px).mem(t.load);
                    if (widen) c.op(OP.f64PromoteF32);
                    c.op(sop).mem(accStore);
                    c.get(pa).i32(accBytes).op(OP.i32Add).set(pa);
                  },
                );
              },
            );
            if (widen) {
              // out[strip ..] = the float64 sums rounded once to float32
              c.get(out).get(strip).op(OP.i32Add).set(px);
              forBytes(
                c,
                pa,
                () => c.get(scratch),
                accEnd,
                8,
                () => {
                  c.get(px).get(pa).mem(OP.f64Load).op(OP.f32DemoteF64).mem(OP.f32Store);
                  c.get(px).i32(4).op(OP.i32Add).set(px);
                },
              );
            }
          },
        );
        c.get(x).get(rowBytes).get(rows).op(OP.i32Mul).op(OP.i32Add).set(x);
        c.get(out).get(rowBytes).op(OP.i32Add).set(out);
      },
    );
  });
}

/** Adds ssum_<t> and smax_<t> to `m`. */
export function emitStreamingColumnReductions(m: ModuleBuilder, t: FloatType): void {
  emitStream(m, t, 'sum');
  emitStream(m, t, 'max');
}
