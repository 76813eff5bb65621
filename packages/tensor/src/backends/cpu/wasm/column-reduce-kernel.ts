/**
 * Column reductions: sums and maxima over the middle axis of a dense [outer, R, C] block,
 *
 *   csum_<t>(x, out, outer, R, C)   cmax_<t>(x, out, outer, R, C)
 *
 * out[o, c] = sum / max over r of x[o, r, c] (byte addresses, both contiguous): the bias and
 * LayerNorm gradients (a [batch, features] cotangent summed over the batch) and sums over the
 * last axis of a transposed operand. Columns go in blocks of 16, each block's accumulators kept
 * in registers while the rows stream past (f64x2 lanes for sums, whose float32 inputs are widened
 * with f64x2.promote_low_f32x4; f32x4 / f64x2 lanes for maxima); the last C mod 16 columns go one
 * at a time. Every column is accumulated in row order from +0 (sums) or -Infinity (maxima), in
 * float64 for sums: the TS kernel's scan does exactly this, so the results are the same bits, up
 * to the sign of a zero maximum (wasm max(+0, -0) is +0, where the TS kernel keeps the later one).
 * Maxima propagate NaN, as the TS kernel does.
 */
import { F32, type FloatType } from './matmul-kernel.js';
import type { Code, ModuleBuilder } from './module-builder.js';
import { OP, SIMD } from './opcodes.js';

/** Columns per register block. */
const BLOCK = 16;

/** How one reduction updates and stores its accumulators. */
interface ColumnOp {
  /** Accumulators per block and the input bytes each one covers. */
  accs: number;
  accBytes: number;
  /** Pushes the initial accumulator vector / scalar. */
  initVector(c: Code): void;
  initScalar(c: Code): void;
  /** acc (on the stack), then the input at address `p` + offset: leaves the updated acc. */
  updateVector(c: Code, p: number, offset: number): void;
  updateScalar(c: Code, p: number): void;
  /** Stores accumulator `acc` for the columns at output address `o` + offset. */
  storeVector(c: Code, o: number, offset: number, acc: number): void;
  storeScalar(c: Code, o: number, acc: number): void;
  scalarType: 'f32' | 'f64';
  /** Output bytes per accumulator. */
  outBytes: number;
}

function sumOp(t: FloatType): ColumnOp {
  const f32 = t === F32;
  return {
    accs: 8,
    accBytes: 2 * t.bytes,
    initVector: (c) => c.f64(0).simd(SIMD.f64x2Splat),
    initScalar: (c) => c.f64(0),
    updateVector: (c, p, offset) => {
      if (f32) c.get(p).mem(SIMD.v128Load64Zero, offset, 0, true).simd(SIMD.f64x2PromoteLowF32x4);
      else c.get(p).v128Load(offset);
      c.simd(SIMD.f64x2Add);
    },
    updateScalar: (c, p) => {
      c.get(p).mem(t.load);
      if (f32) c.op(OP.f64PromoteF32);
      c.op(OP.f64Add);
    },
    storeVector: (c, o, offset, acc) => {
      if (!f32) {
        c.get(o).get(acc).v128Store(offset);
        return;
      }
      for (const lane of [0, 1]) {
        c.get(o)
          .get(acc)
          .lane(SIMD.f64x2ExtractLane, lane)
          .op(OP.f32DemoteF64)
          .mem(OP.f32Store, offset + 4 * lane);
      }
    },
    storeScalar: (c, o, acc) => {
      c.get(o).get(acc);
      if (f32) c.op(OP.f32DemoteF64);
      c.mem(t.store);
    },
    scalarType: 'f64',
    outBytes: 2 * t.bytes,
  };
}

function maxOp(t: FloatType): ColumnOp {
  const f32 = t === F32;
  const [vmax, smax] = f32 ? [SIMD.f32x4Max, OP.f32Max] : [SIMD.f64x2Max, OP.f64Max];
  const minusInfinity = (c: Code) => (f32 ? c.f32(Number.NEGATIVE_INFINITY) : c.f64(Number.NEGATIVE_INFINITY));
  return {
    accs: (BLOCK * t.bytes) / 16,
    accBytes: 16,
    initVector: (c) => minusInfinity(c).simd(t.splat),
    initScalar: minusInfinity,
    updateVector: (c, p, offset) => c.get(p).v128Load(offset).simd(vmax),
    updateScalar: (c, p) => c.get(p).mem(t.load).op(smax),
    storeVector: (c, o, offset, acc) => c.get(o).get(acc).v128Store(offset),
    storeScalar: (c, o, acc) => c.get(o).get(acc).mem(t.store),
    scalarType: t.name,
    outBytes: 16,
  };
}

/** for (p = from; p < end; p += step) body() over byte addresses (unsigned compare). */
function rows(c: Code, p: number, end: number, step: number, body: () => void): void {
  c.block(() =>
    c.loop(() => {
      c.get(p).get(end).op(OP.i32GeU).brIf(1);
      body();
      c.get(p).get(step).op(OP.i32Add).set(p).br(0);
    }),
  );
}

function emitColumns(m: ModuleBuilder, name: string, t: FloatType, op: ColumnOp): void {
  m.func(name, ['i32', 'i32', 'i32', 'i32', 'i32'], [], (c) => {
    const [x, out, outer, r, cols] = [0, 1, 2, 3, 4];
    const i32 = () => c.local('i32');
    const [o, rowBytes, planeBytes, col, blockEnd, p, end, q] = [
      i32(),
      i32(),
      i32(),
      i32(),
      i32(),
      i32(),
      i32(),
      i32(),
    ];
    const accs = Array.from({ length: op.accs }, () => c.local('v128'));
    const acc = c.local(op.scalarType);
    const blockBytes = BLOCK * t.bytes;
    c.get(cols).i32(t.log2).op(OP.i32Shl).set(rowBytes);
    c.get(rowBytes).get(r).op(OP.i32Mul).set(planeBytes);
    c.get(rowBytes).i32(-blockBytes).op(OP.i32And).set(blockEnd); // bytes of whole blocks per row
    c.forRange(
      o,
      () => c.i32(0),
      () => c.get(outer),
      1,
      () => {
        // q: this plane's output row (outBytes per accumulator, t.bytes per column)
        c.get(out).get(o).get(cols).op(OP.i32Mul).i32(t.log2).op(OP.i32Shl).op(OP.i32Add).set(q);
        c.forRange(
          col,
          () => c.i32(0),
          () => c.get(blockEnd),
          blockBytes,
          () => {
            for (const a of accs) {
              op.initVector(c);
              c.set(a);
            }
            c.get(x).get(col).op(OP.i32Add).tee(p).get(planeBytes).op(OP.i32Add).set(end);
            rows(c, p, end, rowBytes, () => {
              accs.forEach((a, k) => {
                c.get(a);
                op.updateVector(c, p, k * op.accBytes);
                c.set(a);
              });
            });
            c.get(q).get(col).op(OP.i32Add).set(p);
            accs.forEach((a, k) => {
              op.storeVector(c, p, k * op.outBytes, a);
            });
          },
        );
        c.forRange(
          col,
          () => c.get(blockEnd),
          () => c.get(rowBytes),
          t.bytes,
          () => {
            op.initScalar(c);
            c.set(acc);
            c.get(x).get(col).op(OP.i32Add).tee(p).get(planeBytes).op(OP.i32Add).set(end);
            rows(c, p, end, rowBytes, () => {
              c.get(acc);
              op.updateScalar(c, p);
              c.set(acc);
            });
            c.get(q).get(col).op(OP.i32Add).set(p);
            op.storeScalar(c, p, acc);
          },
        );
        c.get(x).get(planeBytes).op(OP.i32Add).set(x);
      },
    );
  });
}

/** Adds csum_<t> and cmax_<t> to `m`. */
export function emitColumnReductions(m: ModuleBuilder, t: FloatType): void {
  emitColumns(m, `csum_${t.name}`, t, sumOp(t));
  emitColumns(m, `cmax_${t.name}`, t, maxOp(t));
}
