/**
 * SIMD rows for comparisons and `where`, 16 elements a step with a scalar loop for the tail:
 *
 *   vcmp_<lt|eq>_<f32|i32>(x, y, out, n, mode)   out = x < y or x == y as bool bytes (0 or 1);
 *                        mode 0: x, y rows; 1: y one scalar; 2: x one scalar. Four f32x4 / i32x4
 *                        masks (-1 or 0) are narrowed to 16 bytes (saturating, so -1 stays -1),
 *                        then abs makes them 1. NaN compares false, as in the TS kernel.
 *   vwhere_<1|4>(cond, x, y, out, n, mode)       out = cond ? x : y for elements of 1 byte (bool)
 *                        or 4 bytes (float32, int32), copied bit for bit (NaN payloads and -0
 *                        kept); cond is a row of bool bytes (nonzero is true); mode bit 1: x one
 *                        scalar, bit 2: y one scalar. The mask is cond == 0 (bytes of -1 or 0),
 *                        sign-extended to 32-bit lanes for 4-byte elements.
 * All addresses are in bytes; rows are contiguous.
 */

import { forBytes } from './loops.js';
import type { Code, ModuleBuilder } from './module-builder.js';
import { OP, SIMD } from './opcodes.js';
import { emitRowsDriver } from './rows-wrapper.js';

/** Runs `body(xScalar, yScalar)` for the mode in local `mode`, one branch per mode in `modes`. */
function byMode(
  c: Code,
  mode: number,
  modes: readonly [number, boolean, boolean][],
  body: (xs: boolean, ys: boolean) => void,
) {
  const [first, ...rest] = modes;
  if (!first) return;
  if (rest.length === 0) {
    body(first[1], first[2]);
    return;
  }
  c.get(mode).i32(first[0]).op(OP.i32Eq);
  c.ifThen(
    () => body(first[1], first[2]),
    () => byMode(c, mode, rest, body),
  );
}

/** Locals end = n and vend = n rounded down to a multiple of 16. */
function bounds(c: Code, n: number): number {
  const vend = c.local('i32');
  c.get(n).i32(-16).op(OP.i32And).set(vend);
  return vend;
}

const COMPARE = {
  lt: { f32: [OP.f32Lt, SIMD.f32x4Lt, OP.f32Load], i32: [OP.i32LtS, SIMD.i32x4LtS, OP.i32Load] },
  eq: { f32: [OP.f32Eq, SIMD.f32x4Eq, OP.f32Load], i32: [OP.i32Eq, SIMD.i32x4Eq, OP.i32Load] },
} as const;

function emitCompare(m: ModuleBuilder, op: 'lt' | 'eq', t: 'f32' | 'i32'): number {
  const [scalarOp, vectorOp, load] = COMPARE[op][t];
  return m.func(`vcmp_${op}_${t}`, ['i32', 'i32', 'i32', 'i32', 'i32'], [], (c) => {
    const [x, y, out, n, mode] = [0, 1, 2, 3, 4];
    const [i, splat] = [c.local('i32'), c.local('v128')];
    const vend = bounds(c, n);
    const modes: [number, boolean, boolean][] = [
      [0, false, false],
      [1, false, true],
      [2, true, false],
    ];
    byMode(c, mode, modes, (xs, ys) => {
      if (xs) c.get(x).mem(SIMD.v128Load32Splat, 0, 0, true).set(splat);
      if (ys) c.get(y).mem(SIMD.v128Load32Splat, 0, 0, true).set(splat);
      const vec = (base: number, scalar: boolean, j: number) => {
        if (scalar) c.get(splat);
        else
          c.get(base)
            .get(i)
            .i32(2)
            .op(OP.i32Shl)
            .op(OP.i32Add)
            .v128Load(16 * j);
      };
      forBytes(
        c,
        i,
        () => c.i32(0),
        vend,
        16,
        () => {
          c.get(out).get(i).op(OP.i32Add);
          for (let j = 0; j < 4; j++) {
            vec(x, xs, j);
            vec(y, ys, j);
            c.simd(vectorOp);
            if (j % 2 === 1) c.simd(SIMD.i16x8NarrowI32x4S);
          }
          c.simd(SIMD.i8x16NarrowI16x8S).simd(SIMD.i8x16Abs).v128Store();
        },
      );
      const one = (base: number, scalar: boolean) => {
        c.get(base);
        if (!scalar) c.get(i).i32(2).op(OP.i32Shl).op(OP.i32Add);
        c.mem(load);
      };
      forBytes(
        c,
        i,
        () => c.get(vend),
        n,
        1,
        () => {
          c.get(out).get(i).op(OP.i32Add);
          one(x, xs);
          one(y, ys);
          c.op(scalarOp).mem(OP.i32Store8);
        },
      );
    });
  });
}

function emitWhere(m: ModuleBuilder, bytes: 1 | 4): number {
  const [scalarLoad, scalarStore] = bytes === 1 ? [OP.i32Load8U, OP.i32Store8] : [OP.i32Load, OP.i32Store];
  return m.func(`vwhere_${bytes}`, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (c) => {
    const [cond, x, y, out, n, mode] = [0, 1, 2, 3, 4, 5];
    const [i, sx, sy, mask, half] = [
      c.local('i32'),
      c.local('v128'),
      c.local('v128'),
      c.local('v128'),
      c.local('v128'),
    ];
    const vend = bounds(c, n);
    const modes: [number, boolean, boolean][] = [
      [0, false, false],
      [1, true, false],
      [2, false, true],
      [3, true, true],
    ];
    const splatLoad = bytes === 1 ? SIMD.v128Load8Splat : SIMD.v128Load32Splat;
    /** The address of element i of row `base` (bytes per element `bytes`). */
    const at = (base: number) => {
      c.get(base).get(i);
      if (bytes === 4) c.i32(2).op(OP.i32Shl);
      c.op(OP.i32Add);
    };
    const vec = (base: number, scalar: boolean, splat: number, j: number) => {
      if (scalar) c.get(splat);
      else {
        at(base);
        c.v128Load(16 * j);
      }
    };
    byMode(c, mode, modes, (xs, ys) => {
      if (xs) c.get(x).mem(splatLoad, 0, 0, true).set(sx);
      if (ys) c.get(y).mem(splatLoad, 0, 0, true).set(sy);
      forBytes(
        c,
        i,
        () => c.i32(0),
        vend,
        16,
        () => {
          // mask = (cond == 0) per byte
          c.get(cond).get(i).op(OP.i32Add).v128Load();
          c.i32(0).simd(SIMD.i32x4Splat).simd(SIMD.i8x16Eq).set(mask);
          for (let j = 0; j < bytes; j++) {
            at(out);
            vec(y, ys, sy, j);
            vec(x, xs, sx, j);
            if (bytes === 1) c.get(mask);
            else {
              if (j % 2 === 0) {
                c.get(mask)
                  .simd(j === 0 ? SIMD.i16x8ExtendLowI8x16S : SIMD.i16x8ExtendHighI8x16S)
                  .tee(half);
              } else c.get(half);
              c.simd(j % 2 === 0 ? SIMD.i32x4ExtendLowI16x8S : SIMD.i32x4ExtendHighI16x8S);
            }
            c.simd(SIMD.v128Bitselect).v128Store(16 * j);
          }
        },
      );
      const one = (base: number, scalar: boolean) => {
        if (scalar) c.get(base);
        else at(base);
        c.mem(scalarLoad);
      };
      forBytes(
        c,
        i,
        () => c.get(vend),
        n,
        1,
        () => {
          at(out);
          one(x, xs);
          one(y, ys);
          c.get(cond).get(i).op(OP.i32Add).mem(OP.i32Load8U).op(OP.select).mem(scalarStore);
        },
      );
    });
  });
}

/** Adds the vcmp_* and vwhere_* functions to `m`, each with its `_rows` driver (rows-wrapper.ts). */
export function emitSelectKernels(m: ModuleBuilder): void {
  for (const t of ['f32', 'i32'] as const) {
    for (const op of ['lt', 'eq'] as const) emitRowsDriver(m, `vcmp_${op}_${t}`, emitCompare(m, op, t), 5, [0, 1, 2]);
  }
  for (const bytes of [1, 4] as const) emitRowsDriver(m, `vwhere_${bytes}`, emitWhere(m, bytes), 6, [0, 1, 2, 3]);
}
