/**
 * Runs the generated row reductions (reduce-module.ts) when the reduced axes are the trailing
 * axes of a contiguous float operand in the heap (softmax, layerNorm, logsumexp, full sums);
 * other layouts and small tensors answer false, and the TS kernel runs.
 */
import type { View } from '../../../backend.js';
import type { TypedArray } from '../../../dtype.js';
import { isContiguous } from '../../../shape.js';
import { WASM_MIN_ELEMENTS } from './elementwise.js';
import type { WasmHeap } from './heap.js';
import { reduceModuleBytes } from './reduce-module.js';

type RowsFn = (x: number, out: number, rows: number, n: number) => void;

let compiled: WebAssembly.Module | undefined;

export class WasmReduce {
  private readonly exports: Record<string, RowsFn>;

  constructor(private readonly heap: WasmHeap) {
    compiled ??= new WebAssembly.Module(reduceModuleBytes());
    this.exports = new WebAssembly.Instance(compiled, { env: { memory: heap.memory } }).exports as Record<
      string,
      RowsFn
    >;
  }

  /** out = sum / max of x over `axes`; false when the TS kernel should run. */
  run(prim: 'sum' | 'maxReduce', x: View, out: View, axes: readonly number[]): boolean {
    if (x.dtype !== 'float32' && x.dtype !== 'float64') return false;
    const size = x.shape.reduce((a, b) => a * b, 1);
    if (size < WASM_MIN_ELEMENTS || !isContiguous(x.shape, x.strides)) return false;
    const nd = x.shape.length;
    const sorted = [...axes].sort((a, b) => a - b);
    if (sorted.some((a, i) => a !== nd - sorted.length + i)) return false; // not the trailing axes
    const [xa, target] = [x.handle as TypedArray, out.handle as TypedArray];
    if (!this.heap.owns(xa)) return false;
    // A small output (under HEAP_MIN_ELEMENTS) lives in an ordinary array: reduce into the heap, copy.
    const oa = this.heap.owns(target) ? target : this.heap.allocArray(x.dtype, target.length);
    if (!oa) return false;
    const n = sorted.reduce((p, a) => p * (x.shape[a] as number), 1);
    const bytes = xa.BYTES_PER_ELEMENT;
    const fn = this.exports[`${prim === 'sum' ? 'rsum' : 'rmax'}_${x.dtype === 'float32' ? 'f32' : 'f64'}`] as RowsFn;
    fn(xa.byteOffset + x.offset * bytes, oa.byteOffset + out.offset * bytes, size / n, n);
    if (oa !== target) {
      target.set(oa);
      this.heap.freeArray(oa);
    }
    return true;
  }
}
