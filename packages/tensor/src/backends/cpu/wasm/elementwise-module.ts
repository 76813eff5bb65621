/**
 * Generator of the elementwise module: per dtype (f32x4 / f64x2), binary ops over rows
 *
 *   bin_<op>_<t>(x, y, out, n, mode)   mode 0: x, y rows; 1: y one scalar; 2: x one scalar
 *
 * and unary ops `un_<op>_<t>(x, out, n)`, all on contiguous rows given as byte addresses
 * (strides and broadcasting are resolved into rows by the caller, elementwise.ts, which calls
 * each kernel's `<name>_rows` driver, rows-wrapper.ts, for a whole 2-d walk); and scalar
 * loops over strided rows for the rest: `sbin_*`, `sun_*`, comparisons `cmp_lt/eq_*` (bool out)
 * and `where_*` (bool condition). Vectors
 * cover the row, a scalar loop its tail. max uses the NaN-propagating wasm max (as the TS
 * kernel); only the sign of a zero result of max(-0, +0) may differ, which compares equal.
 * float32 exp, erf, tanh and log (`<fn>_f32(x, out, n)`, contiguous rows) come from their own
 * generators: exp-kernel.ts, erf-kernel.ts, tanh-kernel.ts, log-kernel.ts; SIMD comparisons
 * (float32, int32) and `where` (1- and 4-byte elements) on rows or a broadcast scalar from
 * select-kernel.ts (`vcmp_*`, `vwhere_*`).
 */

import { emitErfF32 } from './erf-kernel.js';
import { emitExpF32 } from './exp-kernel.js';
import { MAX_PAGES } from './heap.js';
import { emitLogF32 } from './log-kernel.js';
import { forBytes } from './loops.js';
import { F32, F64, type FloatType } from './matmul-kernel.js';
import { type Code, ModuleBuilder } from './module-builder.js';
import { OP, SIMD } from './opcodes.js';
import { emitRowsDriver } from './rows-wrapper.js';
import { emitSelectKernels } from './select-kernel.js';
import { emitTanhF32 } from './tanh-kernel.js';

export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'max'] as const;
export const UNARY_OPS = ['neg', 'sqrt'] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];
export type UnaryOp = (typeof UNARY_OPS)[number];

/** [scalar opcode, SIMD opcode] per op and dtype. */
const CODES: Record<BinaryOp | UnaryOp, Record<'f32' | 'f64', [number, number]>> = {
  add: { f32: [OP.f32Add, SIMD.f32x4Add], f64: [OP.f64Add, SIMD.f64x2Add] },
  sub: { f32: [OP.f32Sub, SIMD.f32x4Sub], f64: [OP.f64Sub, SIMD.f64x2Sub] },
  mul: { f32: [OP.f32Mul, SIMD.f32x4Mul], f64: [OP.f64Mul, SIMD.f64x2Mul] },
  div: { f32: [OP.f32Div, SIMD.f32x4Div], f64: [OP.f64Div, SIMD.f64x2Div] },
  max: { f32: [OP.f32Max, SIMD.f32x4Max], f64: [OP.f64Max, SIMD.f64x2Max] },
  neg: { f32: [OP.f32Neg, SIMD.f32x4Neg], f64: [OP.f64Neg, SIMD.f64x2Neg] },
  sqrt: { f32: [OP.f32Sqrt, SIMD.f32x4Sqrt], f64: [OP.f64Sqrt, SIMD.f64x2Sqrt] },
};

/** Locals end = n * bytes and vend = (n rounded down to whole vectors) * bytes. */
function rowBounds(c: Code, t: FloatType, n: number): [number, number] {
  const [end, vend] = [c.local('i32'), c.local('i32')];
  const lanes = 16 / t.bytes;
  c.get(n).i32(t.log2).op(OP.i32Shl).set(end);
  c.get(n).i32(-lanes).op(OP.i32And).i32(t.log2).op(OP.i32Shl).set(vend);
  return [end, vend];
}

function emitBinary(m: ModuleBuilder, t: FloatType, op: BinaryOp): number {
  const [scalarOp, vectorOp] = CODES[op][t.name];
  return m.func(`bin_${op}_${t.name}`, ['i32', 'i32', 'i32', 'i32', 'i32'], [], (c) => {
    const [x, y, out, n, mode] = [0, 1, 2, 3, 4];
    const [i, splat] = [c.local('i32'), c.local('v128')];
    const [end, vend] = rowBounds(c, t, n);
    const at = (base: number) => c.get(base).get(i).op(OP.i32Add);
    // One loop pair per mode; `vx` / `vy` push an operand's vector, `sx` / `sy` its scalar.
    const loops = (vx: () => void, vy: () => void, sx: () => void, sy: () => void) => {
      forBytes(
        c,
        i,
        () => c.i32(0),
        vend,
        16,
        () => {
          at(out);
          vx();
          vy();
          c.simd(vectorOp).v128Store();
        },
      );
      forBytes(
        c,
        i,
        () => c.get(vend),
        end,
        t.bytes,
        () => {
          at(out);
          sx();
          sy();
          c.op(scalarOp).mem(t.store);
        },
      );
    };
    const row = (base: number) => [() => at(base).v128Load(), () => at(base).mem(t.load)] as const;
    const one = (base: number) => [() => c.get(splat), () => c.get(base).mem(t.load)] as const;
    const [xRow, xScalar] = row(x);
    const [yRow, yScalar] = row(y);
    c.get(mode).op(OP.i32Eqz);
    c.ifThen(
      () => loops(xRow, yRow, xScalar, yScalar),
      () => {
        c.get(mode).i32(1).op(OP.i32Eq);
        c.ifThen(
          () => {
            c.get(y).mem(t.load).simd(t.splat).set(splat);
            const [vy, sy] = one(y);
            loops(xRow, vy, xScalar, sy);
          },
          () => {
            c.get(x).mem(t.load).simd(t.splat).set(splat);
            const [vx, sx] = one(x);
            loops(vx, yRow, sx, yScalar);
          },
        );
      },
    );
  });
}

function emitUnary(m: ModuleBuilder, t: FloatType, op: UnaryOp): void {
  const [scalarOp, vectorOp] = CODES[op][t.name];
  m.func(`un_${op}_${t.name}`, ['i32', 'i32', 'i32'], [], (c) => {
    const [x, out, n] = [0, 1, 2];
    const i = c.local('i32');
    const [end, vend] = rowBounds(c, t, n);
    forBytes(
      c,
      i,
      () => c.i32(0),
      vend,
      16,
      () => {
        c.get(out).get(i).op(OP.i32Add);
        c.get(x).get(i).op(OP.i32Add).v128Load().simd(vectorOp).v128Store();
      },
    );
    forBytes(
      c,
      i,
      () => c.get(vend),
      end,
      t.bytes,
      () => {
        c.get(out).get(i).op(OP.i32Add);
        c.get(x).get(i).op(OP.i32Add).mem(t.load).op(scalarOp).mem(t.store);
      },
    );
  });
}

/**
 * Strided rows, one element at a time: `operands` pointers (params 2k, stride 2k + 1, in bytes,
 * strides may be 0 or negative), then `out` and `n`; out is contiguous with `outBytes` per
 * element. `value` pushes the result from the operands' current addresses.
 */
function emitStrided(
  m: ModuleBuilder,
  name: string,
  operands: number,
  outBytes: number,
  store: number,
  value: (at: (k: number) => Code) => void,
): void {
  const params = Array.from({ length: 2 * operands + 2 }, () => 'i32' as const);
  const fn = m.func(name, params, [], (c) => {
    const [out, n] = [2 * operands, 2 * operands + 1];
    const k = c.local('i32');
    c.forRange(
      k,
      () => c.i32(0),
      () => c.get(n),
      1,
      () => {
        c.get(out);
        value((j) => c.get(2 * j));
        c.mem(store);
        c.get(out).i32(outBytes).op(OP.i32Add).set(out);
        for (let j = 0; j < operands; j++) {
          c.get(2 * j)
            .get(2 * j + 1)
            .op(OP.i32Add)
            .set(2 * j);
        }
      },
    );
  });
  const pointers = [...Array.from({ length: operands }, (_, j) => 2 * j), 2 * operands];
  emitRowsDriver(m, name, fn, params.length, pointers);
}

function emitStridedFamily(m: ModuleBuilder, t: FloatType): void {
  for (const op of BINARY_OPS) {
    const [scalarOp] = CODES[op][t.name];
    emitStrided(m, `sbin_${op}_${t.name}`, 2, t.bytes, t.store, (at) => {
      at(0).mem(t.load);
      at(1).mem(t.load).op(scalarOp);
    });
  }
  for (const op of UNARY_OPS) {
    const [scalarOp] = CODES[op][t.name];
    emitStrided(m, `sun_${op}_${t.name}`, 1, t.bytes, t.store, (at) => at(0).mem(t.load).op(scalarOp));
  }
  // A strided copy (the contiguous primitive): loads through strides, contiguous stores.
  emitStrided(m, `copy_${t.name}`, 1, t.bytes, t.store, (at) => at(0).mem(t.load));
  // Comparisons write bools (one byte, 0 or 1); NaN compares false, as in the TS kernel.
  for (const [op, code] of [
    ['lt', t.bytes === 4 ? OP.f32Lt : OP.f64Lt],
    ['eq', t.bytes === 4 ? OP.f32Eq : OP.f64Eq],
  ] as const) {
    emitStrided(m, `cmp_${op}_${t.name}`, 2, 1, OP.i32Store8, (at) => {
      at(0).mem(t.load);
      at(1).mem(t.load).op(code);
    });
  }
  // where(cond, x, y): cond is a bool byte.
  emitStrided(m, `where_${t.name}`, 3, t.bytes, t.store, (at) => {
    at(1).mem(t.load);
    at(2).mem(t.load);
    at(0).mem(OP.i32Load8U).op(OP.select);
  });
}

/** The module's bytes (imports the heap's shared memory). */
export function elementwiseModuleBytes(): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder({ shared: true, minPages: 1, maxPages: MAX_PAGES });
  for (const t of [F32, F64]) {
    for (const op of BINARY_OPS) emitRowsDriver(m, `bin_${op}_${t.name}`, emitBinary(m, t, op), 5, [0, 1, 2]);
    for (const op of UNARY_OPS) emitUnary(m, t, op);
    emitStridedFamily(m, t);
  }
  emitExpF32(m);
  emitErfF32(m);
  emitTanhF32(m);
  emitLogF32(m);
  emitSelectKernels(m);
  return m.emit();
}
