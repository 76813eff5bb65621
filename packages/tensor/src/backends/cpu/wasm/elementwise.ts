/**
 * Runs the generated elementwise kernels (elementwise-module.ts) on heap operands: the strided,
 * broadcast operands are walked as rows (strided.ts merges what it can), and each row whose
 * operands are contiguous or one broadcast scalar goes to wasm in one call. Anything else (short
 * rows, gathers with strides, tiny tensors where a call costs more than the loop) answers false,
 * and the TS kernel runs instead.
 */
import type { View } from '../../../backend.js';
import type { TypedArray } from '../../../dtype.js';
import { forEachRow, planWalk } from '../strided.js';
import { type BinaryOp, elementwiseModuleBytes, type UnaryOp } from './elementwise-module.js';
import type { WasmHeap } from './heap.js';

/** Below this many elements the TS loop is as fast as a call into wasm (and keeps op overhead flat). */
export const WASM_MIN_ELEMENTS = 1024;
/** Rows shorter than this are walked by the TS kernel (a call per short row costs more). */
const MIN_ROW = 16;

type RowFn = (...args: number[]) => void;

let compiled: WebAssembly.Module | undefined;

export class WasmElementwise {
  private readonly exports: Record<string, RowFn>;

  constructor(private readonly heap: WasmHeap) {
    compiled ??= new WebAssembly.Module(elementwiseModuleBytes());
    this.exports = new WebAssembly.Instance(compiled, { env: { memory: heap.memory } }).exports as Record<
      string,
      RowFn
    >;
  }

  private usable(views: readonly View[], out: View): TypedArray[] | undefined {
    if (out.dtype !== 'float32' && out.dtype !== 'float64') return undefined;
    const size = out.shape.reduce((a, b) => a * b, 1);
    if (size < WASM_MIN_ELEMENTS) return undefined;
    const arrays = [...views, out].map((v) => v.handle as TypedArray);
    for (let k = 0; k < views.length; k++) if ((views[k] as View).dtype !== out.dtype) return undefined;
    return arrays.every((a) => this.heap.owns(a)) ? arrays : undefined;
  }

  /** out = op(x, y) for broadcast views; false when the TS kernel should run. */
  binary(op: BinaryOp, x: View, y: View, out: View): boolean {
    const arrays = this.usable([x, y], out);
    if (!arrays) return false;
    const walk = planWalk(out.shape, [out.strides, x.strides, y.strides]);
    const [so, sx, sy] = walk.innerStrides as [number, number, number];
    if (so !== 1 || walk.inner < MIN_ROW || sx > 1 || sy > 1 || sx < 0 || sy < 0 || (sx === 0 && sy === 0)) {
      return false;
    }
    const mode = sx === 1 && sy === 1 ? 0 : sy === 0 ? 1 : 2;
    const bytes = out.dtype === 'float32' ? 4 : 8;
    const fn = this.exports[`bin_${op}_${out.dtype === 'float32' ? 'f32' : 'f64'}`] as RowFn;
    const [xa, ya, oa] = arrays as [TypedArray, TypedArray, TypedArray];
    const n = walk.inner;
    forEachRow(walk, [out.offset, x.offset, y.offset], ([o, xo, yo]) => {
      fn(
        xa.byteOffset + (xo as number) * bytes,
        ya.byteOffset + (yo as number) * bytes,
        oa.byteOffset + (o as number) * bytes,
        n,
        mode,
      );
    });
    return true;
  }

  /** out = op(x); false when the TS kernel should run. */
  unary(op: UnaryOp, x: View, out: View): boolean {
    const arrays = this.usable([x], out);
    if (!arrays) return false;
    const walk = planWalk(out.shape, [out.strides, x.strides]);
    const [so, sx] = walk.innerStrides as [number, number];
    if (so !== 1 || sx !== 1 || walk.inner < MIN_ROW) return false;
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
