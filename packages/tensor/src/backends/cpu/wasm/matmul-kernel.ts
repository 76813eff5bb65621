/**
 * Generator of the matmul module: C[b] = A[b] @ B[b] in float32 (f32x4) and float64 (f64x2),
 * GotoBLAS-style (Goto and van de Geijn, "Anatomy of high-performance matrix multiplication",
 * 2008): K is cut into equal blocks of at most KC; for each, B is packed into panels of NR columns (k-major,
 * zero-padded), and A, MC rows at a time, into panels of MR rows. The micro-kernel keeps an
 * MR x NR block of C in MR * 2 vector registers (MR = 5 rows of NR = 2 vectors) and per k does
 * 2 vector loads of B, MR splat loads of A and 2 * MR multiply + add (no FMA in SIMD128 without
 * relaxed-simd). An NR-column panel of B (KC * NR elements, 8 KiB in f32) stays in L1 while the
 * A block (MC * KC) is read from L2.
 *
 * Why 5 x 8: V8 keeps at most about 15 v128 values in registers (10 accumulators, 2 of B, 1 of A
 * here). Measured in L1 on one thread (Zen 3, Node 20), f32: 5x8 ran at 36 GFLOP/s, about 97% of
 * an independent mul+add stream; 4x8 at 21-35 (its loop overhead, a stack check, compare and two
 * pointer bumps per k, is spread over 4 rows instead of 5); 6x8, and any block unrolled over k,
 * spilled accumulators to the stack and ran at 18-29.
 *
 * Operands are strided: packing reads any row/column strides, so transposes cost nothing extra.
 * One exported function per dtype runs batches [b0, b1) and rows [r0, r1) of C, so threads can
 * split either and every element is computed the same way whatever the split.
 */
import type { Code, ModuleBuilder } from './module-builder.js';
import { OP, SIMD } from './opcodes.js';

export const MR = 5;
export const KC = 256;
/** Rows of A per packed block, a multiple of MR: MC * KC * 8 bytes = 160 KiB in f64, within L2. */
export const MC = 80;

export interface FloatType {
  name: 'f32' | 'f64';
  bytes: 4 | 8;
  log2: 2 | 3;
  /** Columns per panel of B: two vectors. */
  nr: number;
  load: number;
  store: number;
  add: number;
  splatLoad: number;
  vadd: number;
  vmul: number;
  splat: number;
}

export const F32: FloatType = {
  name: 'f32',
  bytes: 4,
  log2: 2,
  nr: 8,
  load: OP.f32Load,
  store: OP.f32Store,
  add: OP.f32Add,
  splatLoad: SIMD.v128Load32Splat,
  vadd: SIMD.f32x4Add,
  vmul: SIMD.f32x4Mul,
  splat: SIMD.f32x4Splat,
};

export const F64: FloatType = {
  name: 'f64',
  bytes: 8,
  log2: 3,
  nr: 4,
  load: OP.f64Load,
  store: OP.f64Store,
  add: OP.f64Add,
  splatLoad: SIMD.v128Load64Splat,
  vadd: SIMD.f64x2Add,
  vmul: SIMD.f64x2Mul,
  splat: SIMD.f64x2Splat,
};

/** A zero scalar of `t` on the stack. */
function zero(c: Code, t: FloatType): Code {
  return t.bytes === 4 ? c.f32(0) : c.f64(0);
}

/** Pushes min(local a, local b) (signed i32). */
export function minI32(c: Code, a: number, b: number): Code {
  return c.get(a).get(b).get(a).get(b).op(OP.i32LtS).op(OP.select);
}

/**
 * pack(src, lineStride, elemStride, lines, kc, dst): lines (rows of A, or columns of B) grouped
 * `width` at a time; for each group and each k < kc, the group's `width` values are stored
 * contiguously (zero past `lines`). A full group of adjacent lines (lineStride 1) is copied as
 * vectors; any other full group element by element without bounds tests; only the last, partial
 * group tests each line.
 */
export function emitPack(m: ModuleBuilder, t: FloatType, width: number): number {
  return m.func(
    `pack${width}_${t.name}`,
    ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'],
    [],
    (c) => {
      const [src, lineStride, elemStride, lines, kc, dst] = [0, 1, 2, 3, 4, 5];
      const [first, k, at, full, dense] = [
        c.local('i32'),
        c.local('i32'),
        c.local('i32'),
        c.local('i32'),
        c.local('i32'),
      ];
      const [elemBytes, lineBytes] = [c.local('i32'), c.local('i32')];
      c.get(elemStride).i32(t.log2).op(OP.i32Shl).set(elemBytes);
      c.get(lineStride).i32(t.log2).op(OP.i32Shl).set(lineBytes);
      /** Element k of line first + w: at + w * lineBytes. */
      const lineElement = (w: number) => c.get(at).get(lineBytes).i32(w).op(OP.i32Mul).op(OP.i32Add).mem(t.load);
      c.forRange(
        first,
        () => c.i32(0),
        () => c.get(lines),
        width,
        () => {
          c.get(first).i32(width).op(OP.i32Add).get(lines).op(OP.i32LeS).set(full);
          c.get(lineStride).i32(1).op(OP.i32Eq).get(full).op(OP.i32And).set(dense);
          // at = src + first * lineStride (bytes): element k = 0 of line `first`.
          c.get(src).get(first).get(lineBytes).op(OP.i32Mul).op(OP.i32Add).set(at);
          c.forRange(
            k,
            () => c.i32(0),
            () => c.get(kc),
            1,
            () => {
              c.get(dense).ifThen(
                () => {
                  // Whole vectors, then the elements past the last one (width 5 is 1 f32x4 + 1).
                  const vectors = Math.floor((width * t.bytes) / 16);
                  for (let v = 0; v < vectors; v++) {
                    c.get(dst)
                      .get(at)
                      .v128Load(16 * v)
                      .v128Store(16 * v);
                  }
                  for (let w = (vectors * 16) / t.bytes; w < width; w++) {
                    c.get(dst)
                      .get(at)
                      .mem(t.load, w * t.bytes)
                      .mem(t.store, w * t.bytes);
                  }
                },
                () =>
                  c.get(full).ifThen(
                    () => {
                      for (let w = 0; w < width; w++) {
                        c.get(dst);
                        lineElement(w);
                        c.mem(t.store, w * t.bytes);
                      }
                    },
                    () => {
                      for (let w = 0; w < width; w++) {
                        c.get(dst);
                        c.get(first).i32(w).op(OP.i32Add).get(lines).op(OP.i32LtS);
                        c.ifThen(
                          () => lineElement(w),
                          () => zero(c, t),
                          t.name,
                        );
                        c.mem(t.store, w * t.bytes);
                      }
                    },
                  ),
              );
              c.get(dst)
                .i32(width * t.bytes)
                .op(OP.i32Add)
                .set(dst);
              c.get(at).get(elemBytes).op(OP.i32Add).set(at);
            },
          );
        },
      );
    },
    false,
  );
}

/**
 * tile(pa, pb, kc, c, cRowBytes, first, rows, cols, tmp): the MR x NR micro-kernel over kc
 * packed steps; writes (first) or adds to C: whole rows as vectors when all NR columns exist,
 * else through `tmp`, element by element.
 */
export function emitTile(m: ModuleBuilder, t: FloatType): number {
  const nr = t.nr;
  return m.func(
    `tile_${t.name}`,
    ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'],
    [],
    (c) => {
      const [pa, pb, kc, cAt, cRowBytes, first, rows, cols, tmp] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
      const acc = Array.from({ length: 2 * MR }, () => c.local('v128'));
      const [b0, b1, a] = [c.local('v128'), c.local('v128'), c.local('v128')];
      const [end, r, col, at] = [c.local('i32'), c.local('i32'), c.local('i32'), c.local('i32')];
      for (const x of acc) zero(c, t).simd(t.splat).set(x);
      c.get(pa)
        .get(kc)
        .i32(MR * t.bytes)
        .op(OP.i32Mul)
        .op(OP.i32Add)
        .set(end);
      // One k step at constant offsets (steps u of an unrolled group share the pointer bumps).
      const step = (u: number) => {
        const [aOff, bOff] = [u * MR * t.bytes, u * nr * t.bytes];
        c.get(pb).v128Load(bOff).set(b0);
        c.get(pb)
          .v128Load(bOff + 16)
          .set(b1);
        for (let i = 0; i < MR; i++) {
          const [lo, hi] = [acc[2 * i] as number, acc[2 * i + 1] as number];
          c.get(pa)
            .mem(t.splatLoad, aOff + i * t.bytes, 0, true)
            .set(a);
          c.get(lo).get(a).get(b0).simd(t.vmul).simd(t.vadd).set(lo);
          c.get(hi).get(a).get(b1).simd(t.vmul).simd(t.vadd).set(hi);
        }
      };
      const loopOver = (unroll: number, stopAt: () => void) =>
        c.block(() =>
          c.loop(() => {
            stopAt();
            c.brIf(1);
            for (let u = 0; u < unroll; u++) step(u);
            c.get(pa)
              .i32(unroll * MR * t.bytes)
              .op(OP.i32Add)
              .set(pa);
            c.get(pb)
              .i32(unroll * nr * t.bytes)
              .op(OP.i32Add)
              .set(pb);
            c.br(0);
          }),
        );
      // One step per iteration: unrolling by 2 measured ~25% slower (V8 then spills accumulators).
      loopOver(1, () => c.get(pa).get(end).op(OP.i32GeU));
      // Full columns (all NR): vector stores straight into C, for the block's first `rows` rows.
      c.get(cols).i32(nr).op(OP.i32Eq);
      c.ifThen(
        () => {
          const rowAt = (i: number) => c.get(cAt).get(cRowBytes).i32(i).op(OP.i32Mul).op(OP.i32Add);
          for (let r = 0; r < MR; r++) {
            // Row r exists when r < rows (row 0 always does).
            const storeRow = () =>
              c.get(first).ifThen(
                () => {
                  for (let h = 0; h < 2; h++)
                    rowAt(r)
                      .get(acc[2 * r + h] as number)
                      .v128Store(16 * h);
                },
                () => {
                  for (let h = 0; h < 2; h++) {
                    rowAt(r);
                    rowAt(r)
                      .v128Load(16 * h)
                      .get(acc[2 * r + h] as number)
                      .simd(t.vadd)
                      .v128Store(16 * h);
                  }
                },
              );
            if (r === 0) storeRow();
            else
              c.get(rows)
                .i32(r)
                .op(OP.i32GtS)
                .ifThen(storeRow, () => {});
          }
          c.op(OP.return);
        },
        () => {},
      );
      // Partial block: through tmp, element by element.
      for (let i = 0; i < 2 * MR; i++) {
        c.get(tmp)
          .get(acc[i] as number)
          .v128Store(16 * i);
      }
      c.forRange(
        r,
        () => c.i32(0),
        () => c.get(rows),
        1,
        () => {
          c.forRange(
            col,
            () => c.i32(0),
            () => c.get(cols),
            1,
            () => {
              // at = c + r * cRowBytes + col * bytes
              c.get(cAt).get(r).get(cRowBytes).op(OP.i32Mul).op(OP.i32Add);
              c.get(col).i32(t.log2).op(OP.i32Shl).op(OP.i32Add).set(at);
              c.get(at);
              c.get(tmp).get(r).i32(nr).op(OP.i32Mul).get(col).op(OP.i32Add).i32(t.log2).op(OP.i32Shl).op(OP.i32Add);
              c.mem(t.load);
              c.get(first);
              c.ifThen(
                () => zero(c, t),
                () => c.get(at).mem(t.load),
                t.name,
              );
              c.op(t.add).mem(t.store);
            },
          );
        },
      );
    },
    false,
  );
}
