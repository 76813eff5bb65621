/**
 * Runs the generated elementwise kernels (elementwise-module.ts) on heap operands: the strided,
 * broadcast operands are walked as rows (strided.ts merges what it can), and each row goes to
 * wasm in one call: SIMD when its operands are contiguous or one broadcast scalar, a scalar loop
 * over byte strides otherwise. Short rows and tiny tensors (where a call costs more than the
 * loop) answer false, and the TS kernel runs instead.
 */
import type { View } from '../../../backend.js';
import type { TypedArray } from '../../../dtype.js';
import { forEachRow, peelRows, planWalk } from '../strided.js';
import { type BinaryOp, elementwiseModuleBytes, type UnaryOp } from './elementwise-module.js';
import type { WasmHeap } from './heap.js';
import { HEAP_MIN_ELEMENTS } from './heap.js';

/** Below this many elements the TS loop is as fast as a call into wasm (and keeps op overhead flat). */
export const WASM_MIN_ELEMENTS = 1024;
/** Rows shorter than this are walked by the TS kernel. */
const MIN_ROW = 4;

type RowFn = (...args: number[]) => void;

/** The float32 functions with an f32x4 kernel of their own. */
export type F32LaneFn = 'exp' | 'erf' | 'tanh' | 'log';

let compiled: WebAssembly.Module | undefined;

const suffix = (dtype: string) => (dtype === 'float32' ? 'f32' : 'f64');

export class WasmElementwise {
  private readonly exports: Record<string, RowFn>;

  constructor(private readonly heap: WasmHeap) {
    compiled ??= new WebAssembly.Module(elementwiseModuleBytes());
    this.exports = new WebAssembly.Instance(compiled, { env: { memory: heap.memory } }).exports as Record<
      string,
      RowFn
    >;
  }

  /** Heap block with one slot per operand for small operands kept in ordinary arrays. */
  private slots: number | undefined;

  /**
   * `array` if it lives in the heap; a small ordinary array (under HEAP_MIN_ELEMENTS, e.g. a
   * bias row) copied into operand slot `k` of this instance; undefined otherwise.
   */
  staged(array: TypedArray, k: number): TypedArray | undefined {
    if (this.heap.owns(array)) return array;
    if (array.length > HEAP_MIN_ELEMENTS) return undefined;
    this.slots ??= this.heap.allocBytes(3 * HEAP_MIN_ELEMENTS * 8);
    if (this.slots === undefined) return undefined;
    const Ctor = array.constructor as new (b: ArrayBufferLike, o: number, n: number) => TypedArray;
    const copy = new Ctor(this.heap.memory.buffer, this.slots + k * HEAP_MIN_ELEMENTS * 8, array.length);
    copy.set(array);
    return copy;
  }

  /** The operands' arrays (in the heap) when all are float views of `dtype` and big enough. */
  private usable(views: readonly View[], out: View, dtype = out.dtype, firstSlot = 0): TypedArray[] | undefined {
    if (dtype !== 'float32' && dtype !== 'float64') return undefined;
    const size = out.shape.reduce((a, b) => a * b, 1);
    if (size < WASM_MIN_ELEMENTS) return undefined;
    for (let k = 0; k < views.length; k++) if ((views[k] as View).dtype !== dtype) return undefined;
    const arrays: TypedArray[] = [];
    for (let k = 0; k < views.length; k++) {
      const a = this.staged((views[k] as View).handle as TypedArray, firstSlot + k);
      if (!a) return undefined;
      arrays.push(a);
    }
    const o = out.handle as TypedArray;
    if (!this.heap.owns(o)) return undefined;
    arrays.push(o);
    return arrays;
  }

  /**
   * A strided walk through the row kernel's driver, one call per 2-d block of rows:
   * fn_rows(p0, stride0, p1, stride1, ..., out, n, rows, rowStep0, ..., rowStepOut), byte
   * addresses and strides. False when rows are too short to be worth it.
   */
  private strided(fn: string, views: readonly View[], arrays: readonly TypedArray[], out: View): boolean {
    const walk = planWalk(out.shape, [out.strides, ...views.map((v) => v.strides)]);
    if (walk.innerStrides[0] !== 1 || walk.inner < MIN_ROW) return false;
    const driver = this.exports[`${fn}_rows`] as RowFn;
    const { outer, rows, rowStrides } = peelRows(walk);
    const outArray = arrays[views.length] as TypedArray;
    const nv = views.length;
    const args = new Array<number>(2 * nv + 3 + nv + 1).fill(0);
    args[2 * nv + 1] = walk.inner;
    args[2 * nv + 2] = rows;
    for (let k = 0; k < nv; k++) {
      args[2 * nv + 3 + k] = (rowStrides[k + 1] as number) * (arrays[k] as TypedArray).BYTES_PER_ELEMENT;
      args[2 * k + 1] = (walk.innerStrides[k + 1] as number) * (arrays[k] as TypedArray).BYTES_PER_ELEMENT;
    }
    args[3 * nv + 3] = (rowStrides[0] as number) * outArray.BYTES_PER_ELEMENT;
    forEachRow(outer, [out.offset, ...views.map((v) => v.offset)], (offsets) => {
      for (let k = 0; k < nv; k++) {
        const a = arrays[k] as TypedArray;
        args[2 * k] = a.byteOffset + (offsets[k + 1] as number) * a.BYTES_PER_ELEMENT;
      }
      args[2 * nv] = outArray.byteOffset + (offsets[0] as number) * outArray.BYTES_PER_ELEMENT;
      driver(...args);
    });
    return true;
  }

  /**
   * The operands' arrays (small ones staged from slot `firstSlot` on) and out's, all in the
   * heap, whatever their dtype; undefined when the tensor is small or an operand is out of reach.
   */
  private reachable(views: readonly View[], out: View, firstSlot = 0): TypedArray[] | undefined {
    if (out.shape.reduce((a, b) => a * b, 1) < WASM_MIN_ELEMENTS) return undefined;
    const o = out.handle as TypedArray;
    if (!this.heap.owns(o)) return undefined;
    const arrays: TypedArray[] = [];
    for (let k = 0; k < views.length; k++) {
      const a = this.staged((views[k] as View).handle as TypedArray, firstSlot + k);
      if (!a) return undefined;
      arrays.push(a);
    }
    arrays.push(o);
    return arrays;
  }

  /**
   * A walk whose rows are contiguous for out and `rowOperands`, and contiguous or one broadcast
   * scalar for the rest, through the SIMD kernel `fn`'s driver:
   * fn_rows(p0, ..., out, n, mode, rows, rowStep0, ..., rowStepOut), byte addresses, `mode`
   * from the operands that are scalars (`modeOf`). False when the walk does not fit.
   */
  private simdRows(
    fn: string,
    views: readonly View[],
    arrays: readonly TypedArray[],
    out: View,
    rowOperands: number,
    modeOf: (scalar: readonly boolean[]) => number | undefined,
  ): boolean {
    const walk = planWalk(out.shape, [out.strides, ...views.map((v) => v.strides)]);
    if (walk.innerStrides[0] !== 1 || walk.inner < MIN_ROW) return false;
    const scalar: boolean[] = [];
    for (let k = 0; k < views.length; k++) {
      const s = walk.innerStrides[k + 1] as number;
      if (s !== 1 && (s !== 0 || k < rowOperands)) return false;
      scalar.push(s === 0);
    }
    const mode = modeOf(scalar);
    if (mode === undefined) return false;
    const driver = this.exports[`${fn}_rows`] as RowFn;
    const { outer, rows, rowStrides } = peelRows(walk);
    const nv = views.length;
    const bytes = arrays.map((a) => a.BYTES_PER_ELEMENT);
    const args = new Array<number>(2 * nv + 5).fill(0);
    args[nv + 1] = walk.inner;
    args[nv + 2] = mode;
    args[nv + 3] = rows;
    for (let k = 0; k <= nv; k++) {
      const s = k === nv ? (rowStrides[0] as number) : (rowStrides[k + 1] as number);
      args[nv + 4 + k] = s * (bytes[k] as number);
    }
    forEachRow(outer, [out.offset, ...views.map((v) => v.offset)], (offsets) => {
      for (let k = 0; k < nv; k++) {
        args[k] = (arrays[k] as TypedArray).byteOffset + (offsets[k + 1] as number) * (bytes[k] as number);
      }
      args[nv] = (arrays[nv] as TypedArray).byteOffset + (offsets[0] as number) * (bytes[nv] as number);
      driver(...args);
    });
    return true;
  }

  /** out = x < y or x == y (bool); false when the TS kernel should run. */
  compare(op: 'lt' | 'eq', x: View, y: View, out: View): boolean {
    if ((x.dtype === 'float32' || x.dtype === 'int32') && y.dtype === x.dtype) {
      const operands = this.reachable([x, y], out);
      if (!operands) return false;
      // mode 0: rows; 1: y a scalar; 2: x a scalar (both scalars: the strided loop)
      const mode = ([xs, ys]: readonly boolean[]) => (xs ? (ys ? undefined : 2) : ys ? 1 : 0);
      const t = x.dtype === 'float32' ? 'f32' : 'i32';
      if (this.simdRows(`vcmp_${op}_${t}`, [x, y], operands, out, 0, mode)) return true;
    }
    const arrays = this.usable([x, y], out, x.dtype);
    if (!arrays) return false;
    return this.strided(`cmp_${op}_${suffix(x.dtype)}`, [x, y], arrays, out);
  }

  /** out = cond ? x : y for bool cond; false when the TS kernel should run. */
  where(cond: View, x: View, y: View, out: View): boolean {
    if (cond.dtype !== 'bool') return false;
    if (out.dtype !== 'float64' && x.dtype === out.dtype && y.dtype === out.dtype) {
      // bool, float32, int32: 1- or 4-byte elements copied bit for bit; cond must be a row
      const operands = this.reachable([cond, x, y], out);
      if (!operands) return false;
      const mode = ([, xs, ys]: readonly boolean[]) => (xs ? 1 : 0) | (ys ? 2 : 0);
      const fn = `vwhere_${out.dtype === 'bool' ? 1 : 4}`;
      if (this.simdRows(fn, [cond, x, y], operands, out, 1, mode)) return true;
    }
    const arrays = this.usable([x, y], out, out.dtype, 1);
    if (!arrays) return false;
    const condArray = this.staged(cond.handle as TypedArray, 0);
    if (!condArray) return false;
    const views = [cond, x, y];
    return this.strided(`where_${suffix(out.dtype)}`, views, [condArray, ...arrays], out);
  }

  /** out = op(x, y) for broadcast views; false when the TS kernel should run. */
  binary(op: BinaryOp, x: View, y: View, out: View): boolean {
    const arrays = this.usable([x, y], out);
    if (!arrays) return false;
    const walk = planWalk(out.shape, [out.strides, x.strides, y.strides]);
    const [so, sx, sy] = walk.innerStrides as [number, number, number];
    if (so !== 1 || walk.inner < MIN_ROW) return false;
    if (sx > 1 || sy > 1 || sx < 0 || sy < 0 || (sx === 0 && sy === 0)) {
      return this.strided(`sbin_${op}_${suffix(out.dtype)}`, [x, y], arrays, out);
    }
    const mode = sx === 1 && sy === 1 ? 0 : sy === 0 ? 1 : 2;
    const bytes = out.dtype === 'float32' ? 4 : 8;
    const driver = this.exports[`bin_${op}_${out.dtype === 'float32' ? 'f32' : 'f64'}_rows`] as RowFn;
    const [xa, ya, oa] = arrays as [TypedArray, TypedArray, TypedArray];
    const n = walk.inner;
    const { outer, rows, rowStrides } = peelRows(walk);
    const [ro, rx, ry] = rowStrides.map((s) => s * bytes) as [number, number, number];
    forEachRow(outer, [out.offset, x.offset, y.offset], ([o, xo, yo]) => {
      driver(
        xa.byteOffset + (xo as number) * bytes,
        ya.byteOffset + (yo as number) * bytes,
        oa.byteOffset + (o as number) * bytes,
        n,
        mode,
        rows,
        rx,
        ry,
        ro,
      );
    });
    return true;
  }

  /**
   * out = fn(x) for contiguous float32 rows (exp-kernel.ts, erf-kernel.ts, tanh-kernel.ts,
   * log-kernel.ts); false when the TS kernel should run.
   */
  f32Lanes(fn: F32LaneFn, x: View, out: View): boolean {
    if (out.dtype !== 'float32') return false;
    const arrays = this.usable([x], out);
    if (!arrays) return false;
    const walk = planWalk(out.shape, [out.strides, x.strides]);
    if (walk.innerStrides[0] !== 1 || walk.innerStrides[1] !== 1 || walk.inner < MIN_ROW) return false;
    const kernel = this.exports[`${fn}_f32`] as RowFn;
    const [xa, oa] = arrays as [TypedArray, TypedArray];
    const n = walk.inner;
    forEachRow(walk, [out.offset, x.offset], ([o, xo]) => {
      kernel(xa.byteOffset + (xo as number) * 4, oa.byteOffset + (o as number) * 4, n);
    });
    return true;
  }

  /** out = x laid out contiguously (float dtypes); false when the TS kernel should run. */
  copy(x: View, out: View): boolean {
    const arrays = this.usable([x], out);
    if (!arrays) return false;
    return this.strided(`copy_${suffix(out.dtype)}`, [x], arrays, out);
  }

  /** out = op(x); false when the TS kernel should run. */
  unary(op: UnaryOp, x: View, out: View): boolean {
    const arrays = this.usable([x], out);
    if (!arrays) return false;
    const walk = planWalk(out.shape, [out.strides, x.strides]);
    const [so, sx] = walk.innerStrides as [number, number];
    if (so !== 1 || walk.inner < MIN_ROW) return false;
    if (sx !== 1) return this.strided(`sun_${op}_${suffix(out.dtype)}`, [x], arrays, out);
    const bytes = out.dtype === 'float32' ? 4 : 8;
    const fn = this.exports[`un_${op}_${out.dtype === 'float32' ? 'f32' : 'f64'}`] as RowFn;
    const [xa, oa] = arrays as [TypedArray, TypedArray];
    const n = walk.inner;
    forEachRow(walk, [out.offset, x.offset], ([o, xo]) => {
      fn(xa.byteOffset + (xo as number) * bytes, oa.byteOffset + (o as number) * bytes, n);
    });
    return true;
  }
}
